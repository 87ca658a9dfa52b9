fn main() -> std::process::ExitCode {
    miglint::cli::run(std::env::args_os())
}
