mod eval;
mod embed;
mod compare;
