//! Which revision of the spec a command reads: the working tree, or a Git
//! revision read straight from the object database (`diff`, `cost --base`,
//! `rollout plan --base`).

use crate::error::Result;
use crate::spec::git::GitFiles;
use crate::spec::load::{Disk, Files};
use crate::spec::side::Side;

/// The files of one revision, with how reports and messages name it.
pub struct Revision {
    pub side: Side,
    /// `base revision main (0123abc)` or `head (working tree)`.
    pub label: String,
    git: Option<GitFiles>,
}

impl Revision {
    /// Revision `rev` (the working tree when `None`); `what` names the side
    /// in messages (`base`, `head`).
    pub fn open(what: &str, rev: Option<&str>) -> Result<Revision> {
        Ok(match rev {
            Some(rev) => {
                let files = GitFiles::open(rev)?;
                Revision {
                    side: Side {
                        rev: rev.to_string(),
                        commit: Some(files.commit().to_string()),
                    },
                    label: format!("{what} revision {rev} ({})", files.short_commit()),
                    git: Some(files),
                }
            }
            None => Revision {
                side: Side::working_tree(),
                label: format!("{what} (working tree)"),
                git: None,
            },
        })
    }

    pub fn files(&self) -> &dyn Files {
        match &self.git {
            Some(g) => g,
            None => &Disk,
        }
    }

    /// The Git revision; `None` for the working tree.
    pub fn git(&self) -> Option<&GitFiles> {
        self.git.as_ref()
    }

    /// `e` as having happened at this revision (see [`crate::error::Error::at_revision`]).
    pub fn context(&self, e: crate::error::Error) -> crate::error::Error {
        e.at_revision(&self.side, &self.label)
    }
}
