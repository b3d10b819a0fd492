mod embed;
mod model;
mod source;
mod preprocess;
