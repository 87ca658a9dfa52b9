//! `file-too-large`: reported by the engine itself, for a file it did not read.

use crate::rule::Rule;

crate::rule::declare_rule!(FileTooLarge, id: "file-too-large", category: Syntax, severity: Error, since: "0.2.0");

impl Rule for FileTooLarge {}
