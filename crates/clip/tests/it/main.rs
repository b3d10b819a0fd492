mod bad_inputs;
mod embed;
mod model;
mod preprocess;
mod source;
mod tokenizer_files;
