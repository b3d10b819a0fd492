mod placeholder {}
mod source;
