//! Batch issuing against the issuer ledger, in four steps kept apart so that the middle one can
//! later run in parallel while only the ledger append is serialised:
//!
//! 1. [`Batch::plan`]: check the ledger for inputs already issued and take a status index for
//!    every new one, in input order (the result does not depend on thread timing);
//! 2. [`issue_one`]: evaluate and sign one label in its slot (pure: no I/O, no ledger);
//! 3. [`Batch::record`]: append an issued label to the ledger, after its files are written;
//! 4. [`Batch::finish`]: release the indices of labels that were not issued.
//!
//! Saving the ledger (and holding the state's lock) is the caller's: `issue` saves after step 1
//! so that a run killed later leaves a gap, never an index handed out twice.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::ledger::{Ledger, LedgerError};
use super::{IssueError, IssueRequest, Issued, input_digest, issue};
use crate::criteria::model::Scheme;
use crate::criteria::vocab::Vocabulary;
use crate::ids::{Kid, LabelId};
use crate::keys::Signer;
use crate::profile::Profile;
use crate::report::Report;
use crate::trust::VerifiedTrustList;

/// One label to issue: a profile under a scheme, signed by a key.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    /// The scheme.
    pub scheme: &'a Scheme,
    /// The profile.
    pub profile: &'a Profile,
    /// SHA-256 of the profile file.
    pub profile_digest: [u8; 32],
    /// The signing key (`Sync`: jobs are issued on several threads).
    pub key: &'a (dyn Signer + Sync),
}

impl Job<'_> {
    /// The ledger's input digest of this job.
    pub fn input(&self) -> String {
        input_digest(
            &self.key.kid(),
            &self.scheme.key(),
            &self.scheme.digest,
            &self.profile_digest,
        )
    }
}

/// What the ledger says about a job, decided before anything is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// These inputs were issued before, as this label id.
    Done {
        /// The label id.
        label: LabelId,
    },
    /// New: the status index taken for it, and its input digest.
    Free {
        /// The status index.
        index: u32,
        /// The input digest recorded with the label.
        input: String,
    },
}

/// The result of one job.
#[derive(Debug)]
pub enum Outcome {
    /// Signed.
    Issued(Box<Issued>),
    /// Already issued as this label id.
    Skipped(LabelId),
    /// Not issued, why, and the gap report where there is one.
    Refused(IssueError, Option<Box<Report>>),
}

/// What every job of a batch shares.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The vocabulary.
    pub vocab: &'a Vocabulary,
    /// The verified trust list naming the keys.
    pub trust: &'a VerifiedTrustList,
    /// Issue time.
    pub at: Timestamp,
}

/// A ledger being used by one batch.
pub struct Batch {
    ledger: Ledger,
    /// Next free index per key when the batch began: indices below were handed out by earlier
    /// runs (some perhaps to labels a failed run wrote but never recorded) and are never
    /// released.
    first_free: BTreeMap<Kid, u32>,
}

impl Batch {
    /// Starts a batch on a ledger.
    pub fn new(ledger: Ledger) -> Batch {
        let first_free = ledger.next_index.clone();
        Batch { ledger, first_free }
    }

    /// The ledger as it stands (to save between steps).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Step 1: a slot per job, in order; a new input takes the next index of its key.
    pub fn plan(&mut self, jobs: &[Job<'_>]) -> Result<Vec<Slot>, LedgerError> {
        jobs.iter()
            .map(|job| {
                let input = job.input();
                if let Some(e) = self.ledger.find_input(&input) {
                    return Ok(Slot::Done { label: e.label });
                }
                let index = self.ledger.allocate(job.key.kid())?;
                Ok(Slot::Free { index, input })
            })
            .collect()
    }

    /// Step 3: records an issued label under the input digest of its slot.
    pub fn record(&mut self, issued: &Issued, job: &Job<'_>, slot: &Slot) {
        if let Slot::Free { input, .. } = slot {
            self.ledger.record(issued, &job.key.kid(), input.clone());
        }
    }

    /// Step 4: releases the indices taken for jobs that were not issued (only issued labels
    /// keep theirs; indices handed out before the batch stay taken) and gives the ledger back.
    pub fn finish(mut self) -> Ledger {
        let kids: Vec<Kid> = self.ledger.next_index.keys().copied().collect();
        for kid in kids {
            let before = self.first_free.get(&kid).copied().unwrap_or(0);
            let next = self.used_below(kid).max(before);
            self.ledger.next_index.insert(kid, next);
        }
        self.ledger
    }

    /// One above the highest index a label of this key holds.
    fn used_below(&self, kid: Kid) -> u32 {
        self.ledger
            .labels
            .iter()
            .filter(|e| e.kid == kid)
            .map(|e| e.index + 1)
            .max()
            .unwrap_or(0)
    }
}

/// Step 2: evaluates and signs one job in its slot. Pure: the same inputs give the same bytes.
pub fn issue_one(job: &Job<'_>, slot: &Slot, ctx: &Context<'_>) -> Outcome {
    let index = match slot {
        Slot::Done { label } => return Outcome::Skipped(*label),
        Slot::Free { index, .. } => *index,
    };
    let req = IssueRequest {
        scheme: job.scheme,
        vocab: ctx.vocab,
        profile: job.profile,
        profile_digest: job.profile_digest,
        at: ctx.at,
        key: job.key,
        trust: ctx.trust,
        status_index: index,
    };
    match issue(&req) {
        Ok(i) => Outcome::Issued(Box::new(i)),
        Err((e, report)) => Outcome::Refused(e, report),
    }
}
