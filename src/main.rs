fn main() -> std::process::ExitCode {
    miglint::run(std::env::args_os())
}
