fn main() {
    println!("switchboard: under construction");
}
