//! One module per subcommand; each has `Args` (clap derive, doc comments are the help) and
//! `run(args, printer)`.

pub mod compare;
pub mod data;
pub mod embed;
pub mod eval;
pub mod gap;
pub mod negatives;
pub mod tokens;
