mod bad_inputs;
mod embed;
mod families;
mod model;
mod preprocess;
mod source;
mod tokenizer_files;
