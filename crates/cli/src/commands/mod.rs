//! One module per subcommand; each has `Args` (clap derive, doc comments are the help) and
//! `run(args, printer)`.

pub mod compare;
pub mod data;
pub mod embed;
pub mod eval;
pub mod gap;
pub mod negatives;
pub mod tokens;
pub mod world;

/// Test helper: parses `argv` (without the program name) into a subcommand's `Args`.
#[cfg(test)]
pub(crate) fn parse_args<A: clap::Args + clap::FromArgMatches>(
    name: &'static str,
    argv: &[&str],
) -> Result<A, clap::Error> {
    let cmd = A::augment_args(clap::Command::new(name));
    let matches = cmd.try_get_matches_from(std::iter::once(name).chain(argv.iter().copied()))?;
    A::from_arg_matches(&matches)
}
