// `sqlx::migrate!` embeds the migrations when the crate compiles: without this, a new or
// changed migration is left out until some source file changes too.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
