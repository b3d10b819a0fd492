mod embed;
mod model;
mod source;
mod preprocess;
mod tokenizer_files;
