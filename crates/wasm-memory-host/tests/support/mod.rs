pub mod liar;
