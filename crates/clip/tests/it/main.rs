mod bad_inputs;
mod embed;
mod families;
mod model;
mod preprocess;
mod source;
mod textclean;
mod tokenizer_files;
