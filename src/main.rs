// mimalloc: a run allocates millions of small parse-tree nodes on several
// threads; glibc's allocator spent a fifth of the time growing and trimming
// its per-thread heaps (mprotect, consolidation).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    miglint::run(std::env::args_os())
}
