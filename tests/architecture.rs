//! The module map stays one-way: derived from the code (every `crate::`
//! path outside comments and test modules, as `modgraph.py` reads it), the
//! graph of `src/`'s top-level modules has no cycle, the leaves import no
//! other module, and the domain imports neither a transport nor metrics.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Modules that import no other crate module.
const LEAVES: [&str; 4] = ["config", "lifecycle", "jsonrpc", "healthcheck"];
/// The domain: what is offered, independent of how it is served.
const DOMAIN: [&str; 4] = ["catalog", "tools", "resources", "conformance"];
/// What the domain must not know.
const ABOVE_DOMAIN: [&str; 8] = [
    "metrics", "store", "tasks", "mcp", "rest", "auth", "http", "app",
];

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = module_graph();
    if let Some(cycle) = find_cycle(&graph) {
        panic!("module cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn leaves_import_no_other_module() {
    let graph = module_graph();
    for leaf in LEAVES {
        let imports = graph
            .get(leaf)
            .unwrap_or_else(|| panic!("no module {leaf}"));
        assert!(imports.is_empty(), "{leaf} imports {imports:?}");
    }
}

#[test]
fn the_domain_imports_neither_transports_nor_metrics() {
    let graph = module_graph();
    for module in DOMAIN {
        let imports = &graph[module];
        let wrong: Vec<_> = imports
            .iter()
            .filter(|m| ABOVE_DOMAIN.contains(&m.as_str()))
            .collect();
        assert!(wrong.is_empty(), "{module} imports {wrong:?}");
    }
}

#[test]
fn the_reader_finds_grouped_imports_and_ignores_comments_and_tests() {
    let text = "use crate::{a::X, b, c::{d, e}};\n// crate::zed\nfn f() { crate::g::h(); }\n\
                #[cfg(test)]\nmod tests { use crate::late; }";
    let found = imports_in(text);
    assert_eq!(
        found,
        ["a", "b", "c", "g"].map(String::from).into_iter().collect()
    );
    let mut cyclic = Graph::new();
    cyclic.insert("x".into(), ["y".into()].into());
    cyclic.insert("y".into(), ["x".into()].into());
    assert!(find_cycle(&cyclic).is_some());
}

fn module_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = Graph::new();
    for entry in fs::read_dir(&src).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() || (name != "main" && name != "lib") {
            graph.insert(name, BTreeSet::new());
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for module in &modules {
        let mut imports = BTreeSet::new();
        for file in rust_files(&src, module) {
            let text = fs::read_to_string(&file).expect("source is UTF-8");
            imports.extend(imports_in(&text));
        }
        imports.retain(|m| m != module && modules.contains(m));
        graph.insert(module.clone(), imports);
    }
    graph
}

fn rust_files(src: &Path, module: &str) -> Vec<PathBuf> {
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        return vec![file];
    }
    let mut files = Vec::new();
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).expect("module directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The top-level modules `text` names through `crate::`, comments and the
/// trailing `#[cfg(test)]` module left out.
fn imports_in(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::X, b, c::{d, e}}`: the first name of each item.
            let mut depth = 0;
            let mut item_start = true;
            for (i, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        rest = &group[i..];
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        let name: String = group[i..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        found.insert(name);
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

/// A cycle in `graph`, if there is one (depth-first, three colours).
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}
