mod analysis;
mod common;
mod compare;
mod embed;
mod eval;
mod killed;
mod world;
