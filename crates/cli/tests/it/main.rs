mod embed;
mod compare;
mod placeholder {}
