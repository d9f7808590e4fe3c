// The shared library's soname is libvfnl.so.<major> (0 while the ABI is 0.x).
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvfnl.so.0");
}
