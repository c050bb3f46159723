/*
 * census_fhir — the demo hospital (census.h) as FHIR R4 resources, the way
 * a Chinese HIS with a FHIR façade would show it. One function, one place
 * where the mapping is decided:
 *
 *   Organization  org-hospital (type prov); org-<dept code> for each of
 *                 Lifeline's departments (type dept, identifier
 *                 urn:demo-hospital:dept|<code>, partOf the hospital);
 *                 org-payer-* (type pay) for the insurance funds.
 *   Location      loc-ward-N: a ward (type v3-RoleCode HU and
 *                 urn:demo-hospital:location-type|ward, physicalType wa,
 *                 identifier urn:demo-hospital:dept|ward-N,
 *                 managingOrganization its department);
 *                 loc-ward-N-bed-BB: a bed (type ...location-type|bed,
 *                 physicalType bd, partOf its ward, operationalStatus
 *                 v2-0116 O occupied / U unoccupied, name "12床" or "加1床").
 *   Patient       pat-NNNN: identifier urn:demo-hospital:patient-id, name
 *                 (text as written, family, given), gender, birthDate.
 *   Encounter     enc-NNNN: the stay. identifier
 *                 urn:demo-hospital:inpatient-no (住院号), status
 *                 in-progress or finished, class v3-ActCode IMP, subject,
 *                 period, location[] (the ward, and the bed while in one),
 *                 serviceProvider (the ward's department), diagnosis[]
 *                 (rank 1, use AD: the principal; the others use CM),
 *                 participant (the attending doctor, display only).
 *   Coverage      cov-NNNN: the fee category (费别) as type
 *                 urn:demo-hospital:fee-category (text 自费/医保/新农合/公费),
 *                 beneficiary, payor (the fund, or the patient for 自费),
 *                 subscriberId (the insurance card) unless 自费.
 *   Condition     cond-NNNN-K: encounter-diagnosis, ICD-10 coding with the
 *                 Chinese name as display and text.
 *   AllergyIntolerance  alg-NNNN-K: a known allergen (local code
 *                 urn:demo-hospital:allergen, category, criticality,
 *                 reaction), or one "no known allergy" record (SNOMED CT
 *                 716186003, text 无已知过敏). A patient whose allergies
 *                 were never recorded has no AllergyIntolerance at all.
 *   Medication    med-<drug code>: the drug dictionary: code
 *                 urn:demo-hospital:drug, form, amount = strength per
 *                 dispensing unit (0.25 g / 1 粒: the 规格 0.25g/粒).
 *   ChargeItemDefinition  price-<drug code>: the price list: one per drug,
 *                 instance -> its Medication, the retail price per
 *                 dispensing unit (Medication.amount's denominator) as
 *                 propertyGroup.priceComponent type base, amount in CNY.
 *   MedicationRequest  mr-NNNN-KK: a long-term order (intent order,
 *                 category inpatient, identifier urn:demo-hospital:order-no,
 *                 status active / stopped / completed): medicationReference
 *                 with the drug name as display, requester (display only),
 *                 authoredOn, one dosageInstruction with text, doseQuantity
 *                 (UCUM where the unit has one), route
 *                 (urn:demo-hospital:route), timing.code
 *                 (urn:demo-hospital:frequency) and timing.repeat
 *                 (boundsPeriod.start, frequency/period/periodUnit and
 *                 timeOfDay, the administration times); a prn order has
 *                 asNeededBoolean true and no times.
 *
 * Every dateTime carries +08:00. Nothing depends on the clock: the same
 * census gives the same resources, in the same order.
 */
#pragma once

struct census;
struct fhir_store;

/* Adds every resource of c to s. 0, or -1 when out of memory. */
__attribute__((warn_unused_result))
int census_fhir_load(const struct census *c, struct fhir_store *s);
