fn main() {
    lalrpop::process_src().expect("the jobflow grammar must build");
}
