mod analysis;
mod compare;
mod embed;
mod eval;
