mod model;
mod source;
mod preprocess;
