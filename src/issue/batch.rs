//! Batch issuing against the issuer ledger, in four steps kept apart so that the middle one can
//! later run in parallel while only the ledger append is serialised:
//!
//! 1. [`Batch::plan`]: check the ledger for inputs already issued and take a status index for
//!    every new one, in input order (the result does not depend on thread timing);
//! 2. [`issue_one`]: evaluate and sign one label in its slot (pure: no I/O, no ledger);
//! 3. [`Batch::commit`]: append a group of issued labels to the ledger's journal with one
//!    fsync, *before* any of their files is written (group commit);
//! 4. [`Batch::finish`]: release the indices of labels that were not issued.
//!
//! Saving the ledger (and holding the state's lock) is the caller's: `issue` saves after step 1
//! so that a run killed later leaves a gap, never an index handed out twice. A label recorded
//! whose files a killed run never wrote is made again, byte for byte, by [`reissue`]: issuing is
//! pure, and the ledger keeps its index and issue time.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use super::ledger::{Journal, Ledger, LedgerEntry, LedgerError};
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
    /// These inputs were issued before: the ledger's entry.
    Done(Box<LedgerEntry>),
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
    /// Ledger position by input digest: `plan` looks every job up.
    by_input: HashMap<String, usize>,
}

impl Slot {
    /// A recorded label whose files a killed run may not have written.
    pub fn pending(&self) -> Option<&LedgerEntry> {
        match self {
            Slot::Done(e) if e.pending => Some(e),
            _ => None,
        }
    }
}

impl Batch {
    /// Starts a batch on a ledger.
    pub fn new(ledger: Ledger) -> Batch {
        let first_free = ledger.next_index.clone();
        let by_input = ledger
            .labels
            .iter()
            .enumerate()
            .map(|(i, e)| (e.input.clone(), i))
            .collect();
        Batch {
            ledger,
            first_free,
            by_input,
        }
    }

    /// The ledger as it stands (to save between steps).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Step 1: a slot per job, in order; a new input takes the next index of its key.
    pub fn plan(&mut self, jobs: &[Job<'_>]) -> Result<Vec<Slot>, LedgerError> {
        self.plan_inputs(jobs.iter().map(|j| (Kid(j.key.kid()), j.input())))
    }

    /// Step 1 from each job's signing key and input digest ([`input_digest`]) alone: a caller
    /// that parses each profile again when its group is issued need not hold them all.
    pub fn plan_inputs(
        &mut self,
        inputs: impl IntoIterator<Item = (Kid, String)>,
    ) -> Result<Vec<Slot>, LedgerError> {
        inputs
            .into_iter()
            .map(|(kid, input)| {
                if let Some(e) = self.by_input.get(&input).map(|i| &self.ledger.labels[*i]) {
                    return Ok(Slot::Done(Box::new(e.clone())));
                }
                let index = self.ledger.allocate(kid)?;
                Ok(Slot::Free { index, input })
            })
            .collect()
    }

    /// Step 3: records an issued label under the input digest of its slot (in memory only:
    /// for callers that save the whole ledger themselves, such as the demo).
    pub fn record(&mut self, issued: &Issued, job: &Job<'_>, slot: &Slot) {
        if let Slot::Free { input, .. } = slot {
            self.ledger.record(issued, &job.key.kid(), input.clone());
        }
    }

    /// Step 3 for a group of labels signed by `kid`: appends their records to the journal with
    /// one fsync, then keeps them in the ledger. Call before writing any of their files: a label
    /// file on disk is then always in the ledger, whenever the run is killed.
    pub fn commit(
        &mut self,
        journal: &mut Journal,
        kid: Kid,
        group: &[(&Issued, &Slot)],
    ) -> Result<(), LedgerError> {
        let entries: Vec<LedgerEntry> = group
            .iter()
            .filter_map(|(issued, slot)| match slot {
                Slot::Free { input, .. } => Some(LedgerEntry {
                    pending: true,
                    ..LedgerEntry::of(issued, &kid.0, input.clone())
                }),
                Slot::Done(_) => None,
            })
            .collect();
        journal.append(&entries)?;
        for e in entries {
            self.by_input
                .insert(e.input.clone(), self.ledger.labels.len());
            self.ledger.labels.push(e);
        }
        Ok(())
    }

    /// Marks labels whose files are all written (and synced): no longer pending.
    pub fn settle(&mut self, labels: &[LabelId]) {
        let labels: std::collections::HashSet<&LabelId> = labels.iter().collect();
        for e in &mut self.ledger.labels {
            if labels.contains(&e.label) {
                e.pending = false;
            }
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
        Slot::Done(e) => return Outcome::Skipped(e.label),
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

/// Makes again the label a ledger entry records (a run was killed after recording it, before
/// all its files were written): the same index and issue time give the same bytes. Refused if
/// the inputs no longer give that label (for example the key's trust-list entry changed).
pub fn reissue(job: &Job<'_>, entry: &LedgerEntry, ctx: &Context<'_>) -> Outcome {
    let Ok(at) = Timestamp::from_second(entry.issued_at) else {
        return Outcome::Refused(IssueError::Reissue { label: entry.label }, None);
    };
    let slot = Slot::Free {
        index: entry.index,
        input: entry.input.clone(),
    };
    match issue_one(job, &slot, &Context { at, ..*ctx }) {
        Outcome::Issued(i) if LabelId(i.claims.label_id) == entry.label => Outcome::Issued(i),
        Outcome::Issued(_) => Outcome::Refused(IssueError::Reissue { label: entry.label }, None),
        other => other,
    }
}
