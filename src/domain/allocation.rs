//! Where a repayment's money goes (SPEC 5.3), as pure functions: [`allocate`] one payment over
//! what is owed, and [`replay`] a loan's live repayments from scratch in date order (after a
//! backdated payment, a reversal or a reschedule).
//!
//! With PENALTIES_FIRST, unpaid penalty charges (oldest first) are paid before the
//! installments; with PENALTIES_LAST, after them. Installments are paid oldest due first, and
//! within one, fees, then interest, then principal. Every cent lands in an allocation, and a
//! payment above what is owed is refused with the maximum.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::settings::AllocationOrder;

text_enum! {
    /// How a repayment was paid.
    pub enum PaymentMethod {
        Cash => "CASH",
        Transfer => "TRANSFER",
        Pos => "POS",
        Mobile => "MOBILE",
        Ussd => "USSD",
        Other => "OTHER",
    }
}

/// What an installment still owes, by component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallmentDue<K> {
    pub key: K,
    pub fee: Decimal,
    pub interest: Decimal,
    pub principal: Decimal,
}

impl<K> InstallmentDue<K> {
    pub fn total(&self) -> Decimal {
        self.fee + self.interest + self.principal
    }

    /// What an installment due `self` still owes once `paid` of it is paid: payments cover its
    /// fee, then its interest, then its principal.
    pub fn after_paying(self, mut paid: Decimal) -> Self {
        let mut left = |due: Decimal| {
            let covered = paid.min(due).max(Decimal::ZERO);
            paid -= covered;
            due - covered
        };
        Self {
            fee: left(self.fee),
            interest: left(self.interest),
            principal: left(self.principal),
            key: self.key,
        }
    }
}

/// What a penalty charge still owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargeDue<C> {
    pub key: C,
    /// The day it was charged: a payment made earlier cannot pay it.
    pub date: NaiveDate,
    pub amount: Decimal,
}

/// What an allocation pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target<K, C> {
    Installment(K),
    Charge(C),
}

/// A part of a payment paid to one installment or charge, by component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation<K, C> {
    pub target: Target<K, C>,
    pub principal: Decimal,
    pub interest: Decimal,
    pub fee: Decimal,
    pub penalty: Decimal,
}

impl<K, C> Allocation<K, C> {
    /// The sum of the components.
    pub fn amount(&self) -> Decimal {
        self.principal + self.interest + self.fee + self.penalty
    }
}

/// A payment above what is owed: `maximum` is the most that can be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("The payment is more than is owed; the most that can be paid is {maximum}.")]
pub struct Overpayment {
    pub maximum: Decimal,
}

/// What is owed on `date`: installments, and the charges made by then.
pub fn outstanding<K, C>(
    installments: &[InstallmentDue<K>],
    charges: &[ChargeDue<C>],
    date: NaiveDate,
) -> Decimal {
    let owed_installments: Decimal = installments.iter().map(InstallmentDue::total).sum();
    let owed_charges: Decimal = charges
        .iter()
        .filter(|charge| charge.date <= date)
        .map(|charge| charge.amount)
        .sum();
    owed_installments + owed_charges
}

/// Allocates `amount` paid on `date` over what is owed, reducing `installments` and `charges`
/// by what it pays. Refused (nothing changed) when `amount` is more than is owed on `date`.
pub fn allocate<K: Copy, C: Copy>(
    amount: Decimal,
    date: NaiveDate,
    order: AllocationOrder,
    installments: &mut [InstallmentDue<K>],
    charges: &mut [ChargeDue<C>],
) -> Result<Vec<Allocation<K, C>>, Overpayment> {
    let maximum = outstanding(installments, charges, date);
    if amount > maximum {
        return Err(Overpayment { maximum });
    }
    let mut left = amount;
    let mut allocations = Vec::new();
    let mut pay_charges = |left: &mut Decimal, allocations: &mut Vec<Allocation<K, C>>| {
        for charge in charges.iter_mut().filter(|charge| charge.date <= date) {
            let paid = take(left, &mut charge.amount);
            if !paid.is_zero() {
                allocations.push(Allocation {
                    target: Target::Charge(charge.key),
                    principal: Decimal::ZERO,
                    interest: Decimal::ZERO,
                    fee: Decimal::ZERO,
                    penalty: paid,
                });
            }
        }
    };
    if order == AllocationOrder::PenaltiesFirst {
        pay_charges(&mut left, &mut allocations);
    }
    for installment in installments.iter_mut() {
        if left.is_zero() {
            break;
        }
        let fee = take(&mut left, &mut installment.fee);
        let interest = take(&mut left, &mut installment.interest);
        let principal = take(&mut left, &mut installment.principal);
        if !(fee + interest + principal).is_zero() {
            allocations.push(Allocation {
                target: Target::Installment(installment.key),
                principal,
                interest,
                fee,
                penalty: Decimal::ZERO,
            });
        }
    }
    if order == AllocationOrder::PenaltiesLast {
        pay_charges(&mut left, &mut allocations);
    }
    debug_assert!(
        left.is_zero(),
        "every cent of a payment within the maximum lands"
    );
    Ok(allocations)
}

/// Takes as much of `owed` as `left` covers, from both; returns it.
fn take(left: &mut Decimal, owed: &mut Decimal) -> Decimal {
    let paid = (*left).min(*owed).max(Decimal::ZERO);
    *left -= paid;
    *owed -= paid;
    paid
}

/// A live repayment to re-play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment<R> {
    pub key: R,
    pub date: NaiveDate,
    pub amount: Decimal,
}

/// A re-played payment with its allocations.
pub type Replayed<R, K, C> = (R, Vec<Allocation<K, C>>);

/// Re-allocates `payments` (already in `paidAt` order, ties by creation) from scratch over the
/// full dues of `installments` and `charges`. Returns each payment's allocations, in order; a
/// payment that no longer fits (after a reschedule that shrank the loan) is an [`Overpayment`].
/// Re-playing the same input gives the same output.
pub fn replay<R: Copy, K: Copy, C: Copy>(
    payments: &[Payment<R>],
    order: AllocationOrder,
    mut installments: Vec<InstallmentDue<K>>,
    mut charges: Vec<ChargeDue<C>>,
) -> Result<Vec<Replayed<R, K, C>>, Overpayment> {
    payments
        .iter()
        .map(|payment| {
            allocate(
                payment.amount,
                payment.date,
                order,
                &mut installments,
                &mut charges,
            )
            .map(|allocations| (payment.key, allocations))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("date")
    }

    fn installments() -> Vec<InstallmentDue<u32>> {
        (1..=3)
            .map(|key| InstallmentDue {
                key,
                fee: dec!(10.00),
                interest: dec!(50.00),
                principal: dec!(300.00),
            })
            .collect()
    }

    fn penalties() -> Vec<ChargeDue<char>> {
        vec![
            ChargeDue {
                key: 'a',
                date: day(5),
                amount: dec!(25.00),
            },
            ChargeDue {
                key: 'b',
                date: day(6),
                amount: dec!(25.00),
            },
        ]
    }

    #[test]
    fn penalties_first_then_oldest_installment_fee_interest_principal() {
        let (mut items, mut charges) = (installments(), penalties());
        let allocations = allocate(
            dec!(100.00),
            day(10),
            AllocationOrder::PenaltiesFirst,
            &mut items,
            &mut charges,
        )
        .expect("allocated");
        assert_eq!(allocations.len(), 3);
        assert_eq!(allocations[0].target, Target::Charge('a'));
        assert_eq!(allocations[0].penalty, dec!(25.00));
        assert_eq!(allocations[1].target, Target::Charge('b'));
        assert_eq!(allocations[2].target, Target::Installment(1));
        assert_eq!(
            (
                allocations[2].fee,
                allocations[2].interest,
                allocations[2].principal
            ),
            (dec!(10.00), dec!(40.00), dec!(0))
        );
        assert_eq!(items[0].interest, dec!(10.00));
        assert_eq!(charges[0].amount, dec!(0));
    }

    #[test]
    fn penalties_last_wait_for_the_installments() {
        let (mut items, mut charges) = (installments(), penalties());
        // 3 × 360 for the installments, then 25 and 10 of the penalties.
        let allocations = allocate(
            dec!(1115.00),
            day(10),
            AllocationOrder::PenaltiesLast,
            &mut items,
            &mut charges,
        )
        .expect("allocated");
        let targets: Vec<_> = allocations.iter().map(|a| a.target).collect();
        assert_eq!(
            targets,
            [
                Target::Installment(1),
                Target::Installment(2),
                Target::Installment(3),
                Target::Charge('a'),
                Target::Charge('b')
            ]
        );
        assert_eq!(allocations[4].penalty, dec!(10.00));
    }

    #[test]
    fn an_overpayment_states_the_maximum_and_changes_nothing() {
        let (mut items, mut charges) = (installments(), penalties());
        // On the 5th only the first penalty exists: 1,080 + 25.
        let refused = allocate(
            dec!(1106.00),
            day(5),
            AllocationOrder::PenaltiesFirst,
            &mut items,
            &mut charges,
        );
        assert_eq!(
            refused,
            Err(Overpayment {
                maximum: dec!(1105.00)
            })
        );
        assert_eq!(items, installments());
        assert_eq!(charges, penalties());
        assert_eq!(
            refused.map_err(|e| e.to_string()),
            Err("The payment is more than is owed; the most that can be paid is 1105.00.".into())
        );
    }

    #[test]
    fn replaying_gives_the_same_allocations_whatever_was_recorded_before() {
        let payments = [
            Payment {
                key: "first",
                date: day(2),
                amount: dec!(200.00),
            },
            Payment {
                key: "backdated",
                date: day(3),
                amount: dec!(500.00),
            },
        ];
        let once = replay(
            &payments,
            AllocationOrder::PenaltiesFirst,
            installments(),
            penalties(),
        )
        .expect("replayed");
        let twice = replay(
            &payments,
            AllocationOrder::PenaltiesFirst,
            installments(),
            penalties(),
        )
        .expect("replayed");
        assert_eq!(once, twice);
        // Before the 5th no penalty exists: everything goes to the installments.
        assert!(once.iter().all(|(_, allocations)| {
            allocations
                .iter()
                .all(|a| matches!(a.target, Target::Installment(_)))
        }));
        let second: Decimal = once[1].1.iter().map(Allocation::amount).sum();
        assert_eq!(second, dec!(500.00));
    }

    fn any_loan() -> impl Strategy<Value = (Vec<InstallmentDue<usize>>, Vec<ChargeDue<usize>>)> {
        let installment = (0i64..=5_000, 0i64..=50_000, 0i64..=500_000);
        let charge = (1u32..=28, 1i64..=10_000);
        (
            prop::collection::vec(installment, 1..40),
            prop::collection::vec(charge, 0..20),
        )
            .prop_map(|(installments, charges)| {
                let installments = installments
                    .into_iter()
                    .enumerate()
                    .map(|(key, (fee, interest, principal))| InstallmentDue {
                        key,
                        fee: Decimal::new(fee, 2),
                        interest: Decimal::new(interest, 2),
                        principal: Decimal::new(principal, 2),
                    })
                    .collect();
                let mut charges: Vec<ChargeDue<usize>> = charges
                    .into_iter()
                    .enumerate()
                    .map(|(key, (day_of_month, amount))| ChargeDue {
                        key,
                        date: day(day_of_month),
                        amount: Decimal::new(amount, 2),
                    })
                    .collect();
                charges.sort_by_key(|charge| (charge.date, charge.key));
                (installments, charges)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// A payment dated after every other, allocated over what the others left unpaid (from
        /// the paid totals alone), lands exactly where a full re-play puts it.
        #[test]
        fn the_latest_payment_lands_as_a_replay_would_put_it(
            (installments, charges) in any_loan(),
            shares in proptest::collection::vec(1u32..=400, 1..6),
            penalties_first in any::<bool>(),
        ) {
            let order = if penalties_first {
                AllocationOrder::PenaltiesFirst
            } else {
                AllocationOrder::PenaltiesLast
            };
            let owed = outstanding(&installments, &charges, day(28));
            let payments: Vec<Payment<usize>> = shares
                .iter()
                .enumerate()
                .map(|(n, share)| Payment {
                    key: n,
                    date: day(u32::try_from(n).unwrap_or(0) * 5 + 3),
                    amount: (owed * Decimal::new(i64::from(*share), 4)).round_dp(2),
                })
                .collect();
            let Ok(all) = replay(&payments, order, installments.clone(), charges.clone()) else {
                return Ok(());
            };
            let (last, earlier) = payments.split_last().expect("a payment");
            let before = replay(earlier, order, installments.clone(), charges.clone())
                .expect("fewer payments fit too");
            let mut paid_items = std::collections::HashMap::new();
            let mut paid_charges = std::collections::HashMap::new();
            for (_, allocations) in &before {
                for part in allocations {
                    match part.target {
                        Target::Installment(key) => *paid_items.entry(key).or_insert(Decimal::ZERO) += part.amount(),
                        Target::Charge(key) => *paid_charges.entry(key).or_insert(Decimal::ZERO) += part.amount(),
                    }
                }
            }
            let mut items: Vec<_> = installments
                .iter()
                .map(|due| due.after_paying(paid_items.get(&due.key).copied().unwrap_or_default()))
                .collect();
            let mut left: Vec<_> = charges
                .iter()
                .map(|charge| ChargeDue {
                    amount: charge.amount - paid_charges.get(&charge.key).copied().unwrap_or_default(),
                    ..*charge
                })
                .collect();
            let latest = allocate(last.amount, last.date, order, &mut items, &mut left)
                .expect("what fits a re-play fits");
            prop_assert_eq!(&latest, &all.last().expect("replayed").1);
        }

        #[test]
        fn allocations_sum_to_the_payment_and_never_exceed_what_is_owed(
            (installments, charges) in any_loan(),
            share in 0u32..=1000,
            date in 1u32..=28,
            penalties_first in any::<bool>(),
        ) {
            let order = if penalties_first {
                AllocationOrder::PenaltiesFirst
            } else {
                AllocationOrder::PenaltiesLast
            };
            let date = day(date);
            let owed = outstanding(&installments, &charges, date);
            // Any amount from nothing to 10 % over what is owed, in cents.
            let amount = (owed * Decimal::new(i64::from(share), 3) * dec!(1.1)).round_dp(2);
            let (mut items, mut left) = (installments.clone(), charges.clone());
            match allocate(amount, date, order, &mut items, &mut left) {
                Ok(allocations) => {
                    prop_assert!(amount <= owed);
                    let paid: Decimal = allocations.iter().map(Allocation::amount).sum();
                    prop_assert_eq!(paid, amount);
                    prop_assert_eq!(outstanding(&items, &left, date), owed - amount);
                    for (before, after) in installments.iter().zip(&items) {
                        prop_assert!(after.fee >= Decimal::ZERO && after.fee <= before.fee);
                        prop_assert!(after.interest >= Decimal::ZERO);
                        prop_assert!(after.principal >= Decimal::ZERO);
                        // Components are paid in order: principal only once interest and fees are.
                        if after.principal < before.principal {
                            prop_assert!(after.fee.is_zero() && after.interest.is_zero());
                        }
                    }
                    for (before, after) in charges.iter().zip(&left) {
                        prop_assert!(after.amount >= Decimal::ZERO);
                        if before.date > date {
                            prop_assert_eq!(before.amount, after.amount);
                        }
                    }
                }
                Err(Overpayment { maximum }) => {
                    prop_assert!(amount > owed);
                    prop_assert_eq!(maximum, owed);
                    prop_assert_eq!(&items, &installments);
                }
            }
        }
    }
}
