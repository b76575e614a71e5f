//! `check --plan FILE --apply`: performing the additions that passed. Not built yet; see the
//! README's "Bulk triage" section.
