//! One side of a comparison (`base`, `head`): the revision as given and the
//! commit it resolved to, as reports name it. Plain data, so errors and
//! reports can carry it without reaching into Git.

/// One side of a comparison.
#[derive(Clone, Debug)]
pub struct Side {
    /// The revision as given (`HEAD~1`), or `working tree`.
    pub rev: String,
    /// The commit it resolved to; `None` for the working tree.
    pub commit: Option<String>,
}

impl Side {
    pub fn working_tree() -> Side {
        Side {
            rev: "working tree".into(),
            commit: None,
        }
    }

    /// The first 7 hex digits of the commit.
    pub fn short(&self) -> Option<&str> {
        self.commit.as_deref().map(|c| &c[..7.min(c.len())])
    }

    /// `main (0123abc)`, or the revision alone when that is the commit.
    pub fn describe(&self) -> String {
        match self.short() {
            Some(s) if s != self.rev => format!("{} ({s})", self.rev),
            _ => self.rev.clone(),
        }
    }

    /// [`Side::describe`] for Markdown; `the working tree` for it.
    pub fn describe_md(&self) -> String {
        match self.short() {
            Some(s) if s != self.rev => format!("`{}` (`{s}`)", self.rev),
            Some(_) => format!("`{}`", self.rev),
            None => "the working tree".into(),
        }
    }
}
