//! The tools, one file each. To add one: write `src/tools/<name>.rs`
//! implementing [`crate::catalog::Tool`], then add one `.tool(...)` line below.

mod calculate;
mod echo;

pub use calculate::{Calculate, Operation};
pub use echo::Echo;

use crate::catalog::CatalogBuilder;

/// The `core` toolset: the seed's tools.
pub fn core(catalog: CatalogBuilder) -> CatalogBuilder {
    catalog.tool(Echo).tool(Calculate)
}
