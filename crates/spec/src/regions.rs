//! AWS regions and their availability zones, as data.

/// A region and the letters of its availability zones, in AWS's order.
pub const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "abcdef"),
    ("us-east-2", "abc"),
    ("us-west-1", "bc"),
    ("us-west-2", "abcd"),
    ("ca-central-1", "abd"),
    ("eu-west-1", "abc"),
    ("eu-west-2", "abc"),
    ("eu-west-3", "abc"),
    ("eu-central-1", "abc"),
    ("eu-central-2", "abc"),
    ("eu-north-1", "abc"),
    ("eu-south-1", "abc"),
    ("eu-south-2", "abc"),
    ("ap-south-1", "abc"),
    ("ap-southeast-1", "abc"),
    ("ap-southeast-2", "abc"),
    ("ap-northeast-1", "acd"),
    ("ap-northeast-2", "abcd"),
    ("ap-northeast-3", "abc"),
    ("ap-east-1", "abc"),
    ("sa-east-1", "abc"),
    ("me-south-1", "abc"),
    ("me-central-1", "abc"),
    ("af-south-1", "abc"),
    ("il-central-1", "abc"),
];

/// The availability zone names of a region (`eu-west-1a`, ...), or `None` for
/// a region Strata does not know.
pub fn zones(region: &str) -> Option<Vec<String>> {
    REGIONS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(r, letters)| letters.chars().map(|c| format!("{r}{c}")).collect())
}

/// Every known region name.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|(r, _)| *r)
}

#[cfg(test)]
mod tests {
    #[test]
    fn zones_are_named_after_their_region() {
        assert_eq!(
            super::zones("us-west-1").unwrap(),
            vec!["us-west-1b", "us-west-1c"]
        );
        assert!(super::zones("mars-1").is_none());
    }
}
