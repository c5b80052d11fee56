//! Link settings of the server binary.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|env| env == "gnu");
    if linux_gnu {
        // Relative relocations packed (DT_RELR): at start the loader reads a
        // few KiB instead of ~390 KiB of `.rela.dyn`, and those pages do not
        // stay resident. Needs glibc 2.36+ to run (the image is static).
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
