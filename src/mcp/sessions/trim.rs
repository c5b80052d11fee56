//! Handing memory freed by hibernated sessions back to the OS: glibc keeps
//! free chunks inside its heaps resident otherwise (measured: after deleting
//! 2,000 open sessions RSS stayed at 121 MiB, as high as with them open).

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn release_free_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: glibc's malloc_trim takes its arena locks and returns whole
    // free pages of its own heaps to the kernel; memory in use is untouched.
    unsafe {
        malloc_trim(0);
    }
}

/// Other allocators return memory as they see fit.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(super) fn release_free_memory() {}
