use super::*;

#[test]
fn shorthands_validate() {
    assert_eq!(validate(" Daily ").unwrap(), "daily");
}
