mod eval;
mod embed;
mod compare;
mod placeholder {}
