mod compare;
mod placeholder {}
