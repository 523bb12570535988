#!/usr/bin/env python3
"""A synthetic backup file of the original Node system, N times the size of the sample.

Writes a file in the layout of /work/shared/fixtures/legacy-backup-sample.json (described in
/work/shared/fixtures/README.md): `{"metadata": …, "data": {19 arrays}}`, indented with two
spaces and no newline at the end, with `metadata.checksum` the SHA-256 of the compact document
without that key. Deterministic: the same seed and scale give the same bytes.

The book is made of N "blocks", each about the sample: 11 staff (2 supervisors and 8 or 9
credit officers, one of them deleted after handing over their unions, one inactive; the single
administrator is in block 0), 12 unions (one dissolved, its members moved), 150 members,
120 loans in the sample's proportions of statuses (41 COMPLETED, 40 ACTIVE, 12
PENDING_APPROVAL, 8 DEFAULTED, 7 WRITTEN_OFF, 7 CANCELED, 3 APPROVED, 2 DRAFT; one ACTIVE and
one PENDING_APPROVAL loan soft-deleted) with full flat schedules, repayments allocated oldest
installment first, documents, audit log, login history and notes, plus a few report sessions.
The original's quirks are kept (schedules rounded per installment and never adjusted, statuses
only recalculated at a payment, ACTIVE loans past their end date, deleted loans whose
allocations remain, a deleted repayment whose allocations remain), and every block holds one
of each of these deliberate imperfections of README section 6: a staff e-mail with spaces and
capitals (1), two members whose e-mails differ only in case (2), a member without code (3), a
loan without product (4), three schedules that do not sum to their principal (5: one ACTIVE
and one COMPLETED short by cents, one ACTIVE over by cents), an overpaid installment (6).
There are no dangling references (7) and at most one open loan per member (8).

Every staff account has one of two bcrypt hashes (cost 10, `$2b$`) taken from the sample:
password `Suya!4048` (even staff numbers, the administrator among them) or `Ogbono$30` (odd).
The administrator logs in as `tope.afolabi@millenniumpotters.com.ng` with `Suya!4048`.

    tests/bench/legacy_generate.py [--scale N] [--out FILE] [--seed S]
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time

# Two real `$2b$10$` hashes of the sample (README section 4).
HASHES = [
    ("$2b$10$b80dcO2a18GvkvXiX57fgO0r/9vw4TjvtQ08zeBvrUEbHYgbOAc7C", "Suya!4048"),
    ("$2b$10$CEu16B4evyGgHRkCKV1FSuBKZYMdR/poXkbUqX6/KYrsrWQetcMuO", "Ogbono$30"),
]

ARRAYS = [
    "companySettings", "loanTypes", "documentTypes", "users", "unions", "unionMembers", "loans",
    "repaymentScheduleItems", "repayments", "repaymentAllocations", "unionMemberDocuments",
    "loanDocuments", "auditLogs", "staffSessions", "unionAssignmentHistory",
    "unionMemberReassignments", "userLoginHistory", "userNotes", "reportSessions",
]

# ---------------------------------------------------------------------------------------------
# Time: instants are integer milliseconds since the epoch (UTC), days are datetime.date.

EPOCH = dt.datetime(1970, 1, 1)
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000


def ms_at(y, mo, d, h=0, mi=0, s=0, ms=0):
    return int((dt.datetime(y, mo, d, h, mi, s) - EPOCH).total_seconds()) * 1000 + ms


BACKUP_AT = ms_at(2026, 2, 16, 10, 41, 9, 523)
COMPANY_AT = ms_at(2024, 6, 10, 8, 14, 21, 337)
HISTORY_FROM = dt.date(2025, 4, 1)  # the original began recording logins then
BACKUP_DAY = dt.date(2026, 2, 16)

_iso_cache = {}


def iso(ms):
    """`2024-08-13T10:22:09.468Z`"""
    day, rest = divmod(ms, DAY_MS)
    prefix = _iso_cache.get(day)
    if prefix is None:
        prefix = (EPOCH + dt.timedelta(days=day)).strftime("%Y-%m-%dT")
        _iso_cache[day] = prefix
    h, rest = divmod(rest, HOUR_MS)
    m, rest = divmod(rest, MINUTE_MS)
    s, milli = divmod(rest, 1000)
    return f"{prefix}{h:02d}:{m:02d}:{s:02d}.{milli:03d}Z"


def iso_or_none(ms):
    return None if ms is None else iso(ms)


def day_of(ms):
    return (EPOCH + dt.timedelta(milliseconds=ms)).date()


def day_ms(day):
    return (day - dt.date(1970, 1, 1)).days * DAY_MS


def day_iso(day):
    return day.isoformat() + "T00:00:00.000Z"


def days_in_month(y, m):
    if m == 12:
        return 31
    return (dt.date(y, m + 1, 1) - dt.date(y, m, 1)).days


def add_months_js(day, k):
    """JavaScript's `setMonth(getMonth() + k)`: 29 August + 6 months is 1 March."""
    total = day.month - 1 + k
    y, m = day.year + total // 12, total % 12 + 1
    if day.day <= days_in_month(y, m):
        return dt.date(y, m, day.day)
    return dt.date(y, m, 1) + dt.timedelta(days=day.day - 1)


def due_day(start, unit, k):
    if unit == "DAY":
        return start + dt.timedelta(days=k)
    if unit == "WEEK":
        return start + dt.timedelta(days=7 * k)
    return add_months_js(start, k)


def term_days(unit, n):
    return {"DAY": n, "WEEK": 7 * n, "MONTH": (n * 61 + 1) // 2}[unit]


# ---------------------------------------------------------------------------------------------
# Money: integer kobo, written in decimal.js notation ("10000", "4166.7", "333.33", "0").


def money(cents):
    whole, part = divmod(cents, 100)
    if part == 0:
        return str(whole)
    return f"{whole}.{part:02d}".rstrip("0")


def naira(amount):
    return amount * 100


def installment_of(principal, n):
    """principal / n rounded half up to the cent, as decimal.js did."""
    return (2 * principal + n) // (2 * n)


# ---------------------------------------------------------------------------------------------
# Ids: cuids, "c" + time (8 base-36 digits) + counter (4) + block (4) + random (8). Time,
# counter and block together are unique for the first 36^8 ids.

B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def b36(n, width):
    out = []
    for _ in range(width):
        n, r = divmod(n, 36)
        out.append(B36[r])
    return "".join(reversed(out))


class Ids:
    def __init__(self, rng):
        self.rng = rng
        self.n = 0

    def __call__(self, ms):
        n = self.n
        self.n += 1
        block = (n // 36**4 + 0x5A3C7) % 36**4
        tail = "".join(self.rng.choice(B36) for _ in range(8))
        return "c" + b36(ms, 8) + b36(n % 36**4, 4) + b36(block, 4) + tail


# ---------------------------------------------------------------------------------------------
# Names and words.

FIRST_F = ["Adaeze", "Aisha", "Bisola", "Blessing", "Bukola", "Chiamaka", "Chinyere", "Chioma",
           "Damilola", "Ebere", "Esther", "Faith", "Folake", "Funmilayo", "Grace", "Hadiza",
           "Ifeoma", "Kemi", "Mercy", "Ngozi", "Nkechi", "Omolara", "Omowunmi", "Patience",
           "Ronke", "Sade", "Temitope", "Titilayo", "Uche", "Yetunde", "Zainab", "Abosede",
           "Adenike", "Amaka", "Comfort", "Doowuese", "Halima", "Joy", "Modupe", "Rukayat"]
FIRST_M = ["Abdullahi", "Adebayo", "Babatunde", "Chukwuemeka", "Chinedu", "Emeka", "Femi",
           "Godwin", "Ibrahim", "Ikenna", "Kunle", "Musa", "Nnamdi", "Obinna", "Olumide",
           "Oluwaseun", "Rotimi", "Segun", "Sunday", "Tunde", "Uchenna", "Yusuf", "Kayode",
           "Tope", "Gbenga", "Ayodele", "Taiwo", "Kehinde", "Ahmed", "Terkaa"]
LAST = ["Adeyemi", "Afolabi", "Aina", "Akpan", "Adesina", "Bello", "Eze", "Ekwueme", "Fashola",
        "Ibe", "Ibitoye", "Lawal", "Mbah", "Nnaji", "Nwosu", "Obi", "Odukoya", "Ogundipe",
        "Ogunleye", "Okafor", "Okonkwo", "Olatunji", "Oyelaran", "Salami", "Usman", "Yakubu",
        "Abubakar", "Adeleke", "Balogun", "Chukwu", "Danjuma", "Ezeh", "Iyorchia", "Nwachukwu",
        "Ojo", "Okeke", "Onyekachi", "Oyewole", "Sanni", "Uzor"]
PLACES = [("Egbeda", "Lagos"), ("Bariga", "Lagos"), ("Oshodi", "Lagos"), ("Idumota", "Lagos"),
          ("Ajah", "Lagos"), ("Oyingbo", "Lagos"), ("Surulere", "Lagos"), ("Yaba", "Lagos"),
          ("Ikorodu", "Lagos"), ("Mushin", "Lagos"), ("Epe", "Lagos"), ("Agege", "Lagos"),
          ("Ketu", "Lagos"), ("Mile 12", "Lagos"), ("Sango", "Ogun"), ("Ota", "Ogun"),
          ("Abeokuta", "Ogun"), ("Ijebu-Ode", "Ogun"), ("Ifo", "Ogun"), ("Sagamu", "Ogun")]
TRADES = [("Fish Sellers", "Fish Seller"), ("Food Vendors", "Food Vendor"),
          ("Bakers", "Baker"), ("Garri Processors", "Garri Processor"),
          ("Plantain Sellers", "Plantain Seller"), ("Barbers", "Barber"),
          ("Yam Sellers", "Yam Seller"), ("Soap Makers", "Soap Maker"),
          ("Tailors", "Tailor"), ("Welders", "Welder"), ("Pepper Sellers", "Pepper Seller"),
          ("Hairdressers", "Hairdresser"), ("Cloth Traders", "Cloth Trader")]
KINDS = ["Union", "Association", "Cooperative"]
STREETS = ["Market Street", "Church Street", "Oshodi Road", "Ladipo Street", "Isheri Road",
           "Old Ota Road", "Herbert Macaulay Way", "Ojuelegba Road", "Station Road",
           "Mosque Street", "Akerele Street", "Agege Motor Road", "Ikorodu Road"]
PURPOSES = ["To buy more stock for the shop.", "Purchase of a new sewing machine.",
            "To buy a deep freezer for the fish business.", "Working capital for the stall.",
            "School fees for the children.", "To buy a grinding machine.",
            "Restocking before the festive season.", "Repairs to the oven.",
            "To buy a generator for the salon.", "Bulk purchase of garri from Ogun."]
UA_DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
UA_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
UA_ANDROID = [
    "Mozilla/5.0 (Linux; Android 12; TECNO KI5q) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; itel A665L) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 11; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; TECNO CK7n) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; Redmi Note 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Mobile Safari/537.36",
]

# The original's products: name, description, min, max, unit, min term, max term, active,
# created, deleted; with the terms offered and the weight of each product among new loans.
PRODUCTS = [
    ("Weekly Traders Loan", "Trading capital for market members, repaid weekly at the union meeting.",
     20000, 500000, "WEEK", 1, 24, True, ms_at(2024, 6, 11, 8, 37, 21, 967), None,
     [(6, 7), (8, 13), (10, 11), (12, 25), (16, 2)], 58),
    ("Daily Market Loan", "Small working-capital loan repaid in daily instalments; officers usually collect a week at a time.",
     10000, 150000, "DAY", 1, 30, True, ms_at(2024, 6, 11, 8, 55, 21, 688), None,
     [(20, 3), (25, 8), (30, 4)], 15),
    ("Monthly SME Loan", "Larger loans for established businesses, monthly repayments.",
     50000, 1500000, "MONTH", 1, 12, True, ms_at(2024, 6, 11, 9, 28, 22, 219), None,
     [(3, 3), (4, 3), (6, 8), (9, 3), (10, 2), (12, 5)], 30),
    ("School Fees Support", None,
     20000, 300000, "MONTH", 1, 6, True, ms_at(2024, 8, 18, 11, 15, 7, 725), None,
     [(3, 2), (4, 2), (5, 1), (6, 3)], 4),
    ("Artisan Equipment Loan", "Tools and machines for tailors, welders, carpenters and other artisans.",
     30000, 600000, "MONTH", 1, 10, True, ms_at(2024, 9, 22, 14, 45, 19, 362), None,
     [(4, 3), (5, 2), (6, 3), (8, 2), (10, 2)], 10),
    ("Festive Season Loan", "Short December promotion. Retired.",
     10000, 120000, "WEEK", 1, 8, False, ms_at(2024, 11, 3, 12, 56, 12, 762),
     ms_at(2025, 2, 10, 13, 6, 44, 882), [(4, 1), (8, 1)], 0),
    ("Agric Input Loan", "Seeds and fertiliser for farming members; paused after the 2025 season.",
     50000, 400000, "MONTH", 1, 6, False, ms_at(2025, 3, 16, 7, 14, 25, 531), None,
     [(4, 1), (5, 1), (6, 2)], 2),
]
AGRIC_PAUSED = ms_at(2025, 9, 1, 10, 11, 2, 63)

DOCUMENT_TYPES = [
    ("NID", "National ID", "National identity card or NIN slip", ms_at(2024, 6, 10, 8, 16, 32, 343), None),
    ("DL", "Driver License", "Driver's licence issued by the FRSC", ms_at(2024, 6, 10, 8, 16, 32, 352), None),
    ("PASSPORT", "Passport", "International passport data page", ms_at(2024, 6, 10, 8, 16, 32, 382), None),
    ("UTILITY", "Utility Bill", "Recent electricity or water bill for proof of address", ms_at(2024, 6, 10, 8, 16, 32, 397), None),
    ("BANK_STMT", "Bank Statement", "Six months bank statement", ms_at(2024, 6, 10, 8, 16, 32, 406), None),
    ("EMPLOYMENT", "Employment Letter", "Letter of employment or confirmation", ms_at(2024, 6, 10, 8, 16, 32, 434), None),
    ("SALARY", "Salary Slip", "Latest pay slip", ms_at(2024, 6, 10, 8, 16, 32, 449), None),
    ("GUARANTO", "Guarantor Form", "Guarantor form signed by the union executive", ms_at(2024, 7, 2, 7, 0, 30, 191), None),
    ("LOANAGRE", "Loan Agreement", "Signed loan agreement form", ms_at(2024, 7, 2, 13, 48, 28, 402), None),
    ("PASSPORT01", "Passport Photograph", "Recent passport-size photograph", ms_at(2024, 7, 2, 16, 17, 19, 149), None),
    ("VOTERSCA", "Voter's Card", "Permanent voter's card", ms_at(2024, 10, 8, 8, 8, 57, 793), None),
    ("CACCERTI", "CAC Certificate", "Business name registration certificate", ms_at(2025, 1, 14, 8, 22, 39, 711), ms_at(2025, 5, 6, 8, 56, 1, 597)),
]
MEMBER_DOCUMENTS = [("NID", 55, "National Identity Management Commission"),
                    ("PASSPORT01", 20, None), ("UTILITY", 17, "Ikeja Electric"),
                    ("VOTERSCA", 4, "Independent National Electoral Commission"),
                    ("DL", 3, "Federal Road Safety Corps"),
                    ("PASSPORT", 1, "Nigeria Immigration Service")]
VERIFICATION_NOTES = [None] * 12 + ["Original sighted by the officer.", "Original sighted.",
                                    "Clear copy.", "NIN confirmed on the NIMC portal."]

STATUS_COUNTS = [("COMPLETED", 41), ("ACTIVE", 40), ("PENDING_APPROVAL", 12), ("DEFAULTED", 8),
                 ("WRITTEN_OFF", 7), ("CANCELED", 7), ("APPROVED", 3), ("DRAFT", 2)]
OPEN = ("DRAFT", "PENDING_APPROVAL", "APPROVED", "ACTIVE", "DEFAULTED")
PRINCIPALS = [10000, 15000, 20000, 24000, 30000, 36000, 40000, 45000, 48000, 50000, 60000,
              72000, 75000, 80000, 90000, 100000, 120000, 150000, 160000, 180000, 200000,
              240000, 250000, 300000, 360000, 400000, 450000, 500000, 600000, 750000, 900000,
              1000000, 1200000]
PRINCIPAL_WEIGHTS = [3, 2, 4, 3, 6, 3, 8, 2, 4, 4, 13, 6, 4, 3, 7, 5, 7, 9, 3, 6, 3, 3, 2, 3,
                     2, 2, 3, 1, 3, 1, 1, 1, 1]


def num(value):
    """A figure of the original's reports: a JSON number, integral when it is (JavaScript
    writes 1010500, not 1010500.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Skip(Exception):
    """A loan that does not fit where it was tried."""


# ---------------------------------------------------------------------------------------------


class Generator:
    def __init__(self, scale, seed):
        self.scale = scale
        self.rng = random.Random(seed)
        self.cuid = Ids(random.Random(seed + 1))
        self.rows = {name: [] for name in ARRAYS}
        self.users = []
        self.admin = None
        self.member_seq = 0
        self.emails = set()
        self.member_emails = set()
        self.all_members = []
        self.all_loans = []
        self.loan_types = {}
        self.doc_types = {}

    # -- output ---------------------------------------------------------------------------

    def emit(self, array, row):
        self.rows[array].append(
            (row["id"], json.dumps(row, ensure_ascii=False, separators=(",", ":"))))

    def audit(self, actor, action, entity, entity_id, after, at, path="/", method="POST",
              metadata=None, ua=None, ip=True):
        if metadata is None:
            metadata = {"method": method, "path": path, "query": {}}
        row = {
            "id": self.cuid(at),
            "actorUserId": actor["id"] if actor else None,
            "action": action,
            "entityName": entity,
            "entityId": entity_id,
            "before": None,
            "after": None if after is None else dict(sorted(after.items())),
            "metadata": metadata,
            "ipAddress": self.ip() if ip else None,
            "userAgent": (ua or (actor["ua"] if actor else None)) if ip else None,
            "createdAt": iso(at),
        }
        self.emit("auditLogs", row)

    # -- helpers --------------------------------------------------------------------------

    def ip(self):
        r = self.rng
        return f"::ffff:10.{r.randint(200, 231)}.{r.randint(0, 255)}.{r.randint(0, 255)}"

    def business(self, day):
        """An instant during Lagos business hours (08:00-18:00, UTC+1) of `day`."""
        return day_ms(day) + self.rng.randint(7 * 3600, 16 * 3600 + 3599) * 1000 + \
            self.rng.randint(0, 999)

    def between(self, lo, hi):
        return lo if hi <= lo else self.rng.randint(lo, hi)

    def phone(self):
        r = self.rng
        prefix = r.choice(["0803", "0806", "0813", "0816", "0703", "0706", "0705", "0809",
                           "0901", "0907", "0811", "0817", "0814"])
        rest = f"{r.randint(0, 9_999_999):07d}"
        form = r.random()
        if form < 0.55:
            return prefix + rest
        if form < 0.85:
            return "+234" + prefix[1:] + rest
        return f"{prefix} {rest[:3]} {rest[3:]}"

    def cloudinary_image(self, at, folder):
        return (f"https://res.cloudinary.com/dmp7kx2qa/image/upload/v{at // 1000}/{folder}/"
                f"{at}-{''.join(self.rng.choice(B36) for _ in range(6))}.jpg")

    # -- fixed rows -----------------------------------------------------------------------

    def fixed(self):
        self.emit("companySettings", {
            "id": "default", "name": "Millennium Potters", "email": "info@millenniumpotters.com.ng",
            "phone": "+234 809 412 7785", "address": "22 Adeniyi Jones Avenue, Ikeja, Lagos",
            "currency": "NGN", "currencySymbol": "₦", "dateFormat": "DD/MM/YYYY",
            "timeFormat": "24h", "timezone": "Africa/Lagos", "invoicePrefix": "INV-",
            "expensePrefix": "EXP-",
            "logo": "https://mp-lms-backend.onrender.com/uploads/logo-1718180916886-427073881.png",
            "createdAt": "2024-06-10T08:21:21.749Z", "updatedAt": "2025-01-13T08:13:12.948Z",
        })
        admin = self.new_user("Tope", "Afolabi", "ADMIN", None, COMPANY_AT, UA_DESKTOP)
        self.admin = admin
        for (name, desc, lo, hi, unit, tmin, tmax, active, created, deleted, terms,
             weight) in PRODUCTS:
            row = {"id": self.cuid(created), "name": name, "description": desc,
                   "minAmount": money(naira(lo)), "maxAmount": money(naira(hi)), "termUnit": unit,
                   "minTerm": tmin, "maxTerm": tmax, "isActive": True,
                   "createdAt": iso(created), "updatedAt": iso(created), "deletedAt": None}
            self.audit(admin, "LOAN_TYPE_CREATED", "LoanType", row["id"], row,
                       created + self.rng.randint(20, 80), ua=UA_DESKTOP)
            if not active:
                changed = deleted or AGRIC_PAUSED
                row = dict(row, isActive=False, updatedAt=iso(changed),
                           deletedAt=iso_or_none(deleted))
                if deleted:
                    self.audit(admin, "LOAN_TYPE_DELETED", "LoanType", row["id"], None, deleted,
                               path="/" + row["id"], method="DELETE")
                else:
                    self.audit(admin, "LOAN_TYPE_STATUS_TOGGLED", "LoanType", row["id"], row,
                               changed, path=f"/{row['id']}/toggle-status", method="PATCH")
            self.emit("loanTypes", row)
            self.loan_types[name] = dict(id=row["id"], lo=lo, hi=hi, unit=unit, terms=terms,
                                         weight=weight, created=created)
        for code, name, desc, created, deleted in DOCUMENT_TYPES:
            row = {"id": self.cuid(created), "code": code, "name": name, "description": desc,
                   "isActive": True, "createdAt": iso(created), "updatedAt": iso(created),
                   "deletedAt": None}
            if created > COMPANY_AT + DAY_MS:
                self.audit(admin, "DOCUMENT_TYPE_CREATED", "DocumentType", row["id"], row,
                           created + self.rng.randint(20, 80), ua=UA_DESKTOP)
            if deleted:
                row = dict(row, isActive=False, updatedAt=iso(deleted), deletedAt=iso(deleted))
                self.audit(admin, "DOCUMENT_TYPE_DELETED", "DocumentType", row["id"], None,
                           deleted, path="/types/" + row["id"], method="DELETE")
            self.emit("documentTypes", row)
            self.doc_types[code] = row["id"]
        at = ms_at(2025, 1, 13, 8, 13, 12, 990)
        self.audit(admin, "COMPANY_SETTINGS_UPDATED", "Settings", "unknown",
                   json.loads(self.rows["companySettings"][0][1]), at, path="/company",
                   method="PUT", ua=UA_DESKTOP)

    # -- staff ----------------------------------------------------------------------------

    def new_user(self, first, last, role, supervisor, created, ua, email=None):
        index = len(self.users)
        if email is None:
            local = f"{first}.{last}".lower()
            email = f"{local}@millenniumpotters.com.ng"
            n = 2
            while email in self.emails:
                email = f"{local}{n}@millenniumpotters.com.ng"
                n += 1
        self.emails.add(email.strip().lower())
        user = dict(id=self.cuid(created), email=email, hash=HASHES[index % 2][0], role=role,
                    active=True, supervisor=supervisor, first=first, last=last,
                    phone=self.phone(), created=created, deleted=None, updated=created, ua=ua,
                    logins=[])
        self.users.append(user)
        return user

    def staff(self, block):
        r = self.rng
        admin = self.admin
        sups = []
        for i in range(2):
            created = self.business(dt.date(2024, 6, 12) + dt.timedelta(days=r.randint(0, 80)))
            first = r.choice(FIRST_F + FIRST_M)
            sup = self.new_user(first, r.choice(LAST), "SUPERVISOR",
                                admin if i == 0 or r.random() < 0.5 else None, created,
                                r.choice([UA_DESKTOP, UA_IPHONE]))
            sups.append(sup)
        officers = []
        count = 8 if block == 0 else 9
        for i in range(count):
            first, last = r.choice(FIRST_F + FIRST_M), r.choice(LAST)
            if i == count - 1:  # inactive: hired late, never logged in, switched off
                created = self.business(dt.date(2025, 9, 15) + dt.timedelta(days=r.randint(0, 60)))
            elif i == count - 2:  # deleted after handing over their unions
                created = self.business(dt.date(2024, 6, 20) + dt.timedelta(days=r.randint(0, 90)))
            else:
                created = self.business(dt.date(2024, 6, 15) + dt.timedelta(
                    days=r.choice([r.randint(0, 120), r.randint(0, 360)])))
            email = None
            supervisor = sups[i % 2]
            if i == 0:
                # README 6.1: an address edited by hand, with spaces and capitals.
                local = f"{first}.{last}"
                n = 2
                while f"{local}@millenniumpotters.com.ng".lower() in self.emails:
                    local = f"{first}.{last}{n}"
                    n += 1
                email = f" {local}@MillenniumPotters.com.ng "
                supervisor = admin
            officer = self.new_user(first, last, "CREDIT_OFFICER", supervisor, created,
                                    r.choice(UA_ANDROID + [UA_IPHONE]), email)
            officers.append(officer)
        for user in sups + officers:
            self.audit(admin, "USER_CREATED", "User", user["id"], self.user_row(user, created=True),
                       user["created"] + r.randint(20, 60), ua=UA_DESKTOP)
        inactive, deleted = officers[-1], officers[-2]
        inactive["active"] = False
        inactive["updated"] = self.business(dt.date(2025, 12, 1) + dt.timedelta(days=r.randint(0, 30)))
        self.audit(admin, "USER_UPDATED", "User", inactive["id"],
                   self.user_row(inactive), inactive["updated"], path="/" + inactive["id"],
                   method="PUT", ua=UA_DESKTOP)
        deleted["deleted"] = self.business(dt.date(2025, 6, 1) + dt.timedelta(days=r.randint(0, 130)))
        deleted["updated"] = deleted["deleted"]
        self.audit(admin, "USER_DELETED", "User", deleted["id"], None, deleted["deleted"],
                   path="/" + deleted["id"], method="DELETE", ua=UA_DESKTOP)
        return sups, officers

    def user_row(self, user, created=False):
        last_login = None if created or not user["logins"] else user["logins"][-1]
        return {
            "id": user["id"], "email": user["email"], "passwordHash": user["hash"],
            "role": user["role"], "isActive": True if created else user["active"],
            "supervisorId": user["supervisor"]["id"] if user["supervisor"] else None,
            "firstName": user["first"], "lastName": user["last"], "phone": user["phone"],
            "address": None, "profileImage": None,
            "lastLoginAt": iso_or_none(last_login), "lastActivityAt": iso_or_none(last_login),
            "loginCount": 0 if created else user.get("login_count", 0),
            "createdAt": iso(user["created"]),
            "updatedAt": iso(user["created"] if created else user["updated"]),
            "deletedAt": None if created else iso_or_none(user["deleted"]),
        }

    # -- unions ---------------------------------------------------------------------------

    def unions(self, block, sups, officers):
        r = self.rng
        admin = self.admin
        deleted_officer = officers[-2]
        working = officers[:-2]  # live and active
        owners = [deleted_officer, deleted_officer] + working
        while len(owners) < 12:
            owners.append(r.choice(working))
        unions = []
        for i, officer in enumerate(owners):
            place, state = r.choice(PLACES)
            trade, profession = r.choice(TRADES)
            kind = r.choice(KINDS)
            lo = max(officer["created"] + DAY_MS, ms_at(2024, 7, 1))
            hi = max(lo + 30 * DAY_MS, ms_at(2025, 3, 31))
            if i == 2:  # the union dissolved later: an early one
                hi = max(lo + DAY_MS, ms_at(2024, 12, 31))
            if i < 2:  # the deleted officer's: created well before the hand-over
                hi = min(hi, deleted_officer["deleted"] - 90 * DAY_MS)
            created = self.business(day_of(self.between(lo, hi)))
            union = dict(id=self.cuid(created), name=f"{place} {trade} {kind}",
                         location=f"{place}, {state}",
                         address=f"{r.randint(1, 200)} {r.choice(STREETS)}, {place}",
                         officers=[(created, officer)], created=created, updated=created,
                         deleted=None, place=place, state=state, profession=profession,
                         members=[])
            unions.append(union)
            self.audit(admin, "UNION_CREATED", "Union", union["id"], self.union_row(union),
                       created + r.randint(30, 120), ua=UA_DESKTOP)
        # The deleted officer's unions handed over before the deletion; one more hand-over.
        handovers = []
        for union in unions[:2]:
            at = deleted_officer["deleted"] - r.randint(1, 4) * DAY_MS - r.randint(0, HOUR_MS)
            choices = [o for o in working if o["created"] < at - DAY_MS]
            to = r.choice(choices) if choices else min(working, key=lambda o: o["created"])
            handovers.append((union, at, to, "Officer resigned - handover of union"))
        union = r.choice(unions[3:])
        at = self.business(dt.date(2025, 3, 1) + dt.timedelta(days=r.randint(0, 300)))
        current = union["officers"][-1][1]
        choices = [o for o in working if o is not current and o["created"] < at - DAY_MS]
        if choices:
            handovers.append((union, at, r.choice(choices), "Union reassignment"))
        for union, at, to, reason in handovers:
            old = union["officers"][-1][1]
            union["officers"].append((at, to))
            union["updated"] = at
            self.emit("unionAssignmentHistory", {
                "id": self.cuid(at), "unionId": union["id"], "oldOfficerId": old["id"],
                "newOfficerId": to["id"], "changedByUserId": admin["id"], "reason": reason,
                "changedAt": iso(at)})
            self.audit(admin, "UNION_ASSIGNED", "Union", union["id"], self.union_row(union),
                       at + r.randint(20, 60), path=f"/{union['id']}/assign", ua=UA_DESKTOP)
        dissolved = unions[2]
        dissolved["deleted"] = self.business(dt.date(2025, 6, 1) + dt.timedelta(days=r.randint(0, 70)))
        dissolved["updated"] = max(dissolved["updated"], dissolved["deleted"])
        self.audit(admin, "UNION_DELETED", "Union", dissolved["id"], None, dissolved["deleted"],
                   path="/" + dissolved["id"], method="DELETE", ua=UA_DESKTOP)
        return unions

    def union_row(self, union):
        return {"id": union["id"], "name": union["name"], "location": union["location"],
                "address": union["address"], "creditOfficerId": union["officers"][-1][1]["id"],
                "createdAt": iso(union["created"]), "updatedAt": iso(union["updated"]),
                "deletedAt": iso_or_none(union["deleted"])}

    @staticmethod
    def officer_at(union, at):
        officer = union["officers"][0][1]
        for since, who in union["officers"]:
            if since <= at:
                officer = who
        return officer

    # -- members --------------------------------------------------------------------------

    def members(self, block, unions):
        r = self.rng
        live_unions = [u for u in unions if not u["deleted"]]
        dissolved = [u for u in unions if u["deleted"]][0]
        members = []
        for i in range(150):
            self.member_seq += 1
            female = r.random() < 0.72
            first = r.choice(FIRST_F if female else FIRST_M)
            last = r.choice(LAST)
            union = dissolved if i < 3 else r.choice(live_unions)
            member = dict(seq=self.member_seq, first=first, last=last, female=female,
                          union=union, history=[(0, union)], loans=[], earliest=None,
                          deleted=None, code=True, email=None, moved=None)
            if r.random() < 0.35:
                host = r.choice(["gmail.com", "gmail.com", "yahoo.com", "hotmail.com"])
                member["email"] = f"{first}{last}{self.member_seq}@{host}".lower()
            members.append(member)
            union["members"].append(member)
        # The dissolved union's members move just before it is dissolved.
        for member in members[:3]:
            at = dissolved["deleted"] - r.randint(2, 30) * HOUR_MS
            target = r.choice([u for u in live_unions if u["created"] < at - DAY_MS])
            member["moved"] = (at, dissolved, target)
            member["history"].append((at, target))
            member["union"] = target
        # README 6.2: two live members whose addresses differ only in case; 6.3: no code.
        member_a, member_b = members[10], members[11]
        local = f"{member_a['last']}.{member_a['first']}{member_a['seq']}"
        member_a["email"] = f"{local}@hotmail.com".lower()
        member_b["email"] = f"{local}@hotmail.com"
        member_b["after"] = member_a  # created after member_a
        members[12]["code"] = False
        members[13]["deleted"] = True
        members[14]["deleted"] = True
        return members

    def union_at(self, member, at):
        union = member["history"][0][1]
        for since, u in member["history"]:
            if since <= at:
                union = u
        return union

    # -- loans ----------------------------------------------------------------------------

    def pick_product(self, at):
        r = self.rng
        while True:
            name = r.choices(list(self.loan_types), [p["weight"] for p in self.loan_types.values()])[0]
            product = self.loan_types[name]
            if name == "Agric Input Loan" and not (product["created"] < at < AGRIC_PAUSED):
                continue
            return product

    def pick_terms(self, product, rounding=0):
        """(principal in kobo, term count). `rounding`: 0 for a schedule that sums to the
        principal, -1 short of it, +1 over it (README 6.5)."""
        r = self.rng
        for _ in range(400):
            n = r.choices([t for t, _ in product["terms"]], [w for _, w in product["terms"]])[0]
            principal = naira(r.choices(PRINCIPALS, PRINCIPAL_WEIGHTS)[0])
            if not naira(product["lo"]) <= principal <= naira(product["hi"]):
                continue
            error = installment_of(principal, n) * n - principal
            if (error > 0) - (error < 0) == rounding:
                return principal, n
        raise Skip

    def loans(self, block, members, sups):
        r = self.rng
        statuses = [s for s, c in STATUS_COUNTS for _ in range(c)]
        opened = [s for s in statuses if s in OPEN]
        closed = [s for s in statuses if s not in OPEN]
        # Special loans of this block, each an open or closed status above.
        specials = {"ACTIVE": ["deleted", "productless", "short", "over", "overpaid",
                               "deleted_repayment"],
                    "PENDING_APPROVAL": ["deleted"], "COMPLETED": ["short"]}
        candidates = [m for m in members if not m["deleted"]]
        r.shuffle(candidates)
        pool = list(candidates)  # members without an open loan yet
        for status in opened:
            special = specials.get(status, [])
            special = special.pop(0) if special else None
            for attempt in range(200):
                member = pool[attempt % len(pool)]
                try:
                    self.place_open(member, status, special, sups)
                    pool.remove(member)
                    break
                except Skip:
                    continue
            else:
                raise RuntimeError("no member fits an open loan")
        for status in closed:
            special = specials.get(status, [])
            special = special.pop(0) if special else None
            for _ in range(400):
                member = r.choice(candidates)
                try:
                    self.place_closed(member, status, special, sups)
                    break
                except Skip:
                    continue
            else:
                raise RuntimeError("no member fits a closed loan")

    def new_loan(self, member, status, special, created, start, product, principal, n, sups):
        """A loan's row fields and its schedule; the repayments come later."""
        r = self.rng
        union = self.union_at(member, created)
        if created < union["created"] + DAY_MS or start < day_of(union["created"]) + dt.timedelta(days=2):
            raise Skip
        officer = self.officer_at(union, created)
        if officer["deleted"] and officer["deleted"] < created:
            raise Skip
        unit = product["unit"] if product else "MONTH"
        by_admin = r.random() < 0.22 and status in ("ACTIVE", "COMPLETED", "DEFAULTED", "WRITTEN_OFF")
        creator = self.admin if by_admin else officer
        supervisor = officer["supervisor"] or self.admin
        if supervisor["created"] > created:
            supervisor = self.admin
        dues = [due_day(start, unit, k) for k in range(1, n + 1)]
        amount = installment_of(principal, n)
        loan = dict(member=member, union=union, status=status, special=special,
                    created=created, start=start, end=dues[-1], product=product,
                    principal=principal, n=n, unit=unit, creator=creator, by_admin=by_admin,
                    officer=officer, supervisor=supervisor,
                    assigned=None if r.random() < 0.15 else officer,
                    fee=(principal * r.choice([0, 2, 2, 2, 3, 3]) // 100) // 10000 * 10000,
                    penalty=naira(r.choice([0, 0, 200, 300, 500, 1000])),
                    fee_collected=False, approved=None, disbursed=None, closed=None,
                    canceled=None, updated=created, deleted=None,
                    notes=r.choice(PURPOSES),
                    items=[dict(seq=k + 1, due=d, total=amount, paid=0, closed=None,
                                updated=None) for k, d in enumerate(dues)],
                    payments=[], number=None)
        if not by_admin and status != "DRAFT":
            # Officers' loans: PENDING_APPROVAL, approved (fee collected) by the supervisor.
            if status not in ("PENDING_APPROVAL",) and not (status == "CANCELED" and r.random() < 0.6):
                loan["approved"] = created + r.randint(30 * MINUTE_MS, 3 * DAY_MS)
                loan["fee_collected"] = True
                loan["approved_note"] = r.choice(["Approved.", "Approved after visit to the shop.",
                                                  "Approved; guarantor confirmed."])
        return loan

    def place_open(self, member, status, special, sups):
        r = self.rng
        if status in ("ACTIVE", "DEFAULTED"):
            product = None if special == "productless" else self.pick_product(BACKUP_AT - 90 * DAY_MS)
            rounding = {"short": -1, "over": 1}.get(special, 0)
            principal, n = self.pick_terms(product or self.loan_types["Monthly SME Loan"], rounding)
            unit = product["unit"] if product else "MONTH"
            length = term_days(unit, n)
            if status == "DEFAULTED":
                start = BACKUP_DAY - dt.timedelta(days=length + r.randint(12, 100))
            elif special is None and r.random() < 0.1:
                start = BACKUP_DAY - dt.timedelta(days=length + r.randint(3, 50))  # past its end
            elif special in ("overpaid", "deleted_repayment"):
                start = BACKUP_DAY - dt.timedelta(days=max(3, int(length * r.uniform(0.6, 0.92))))
            else:
                start = BACKUP_DAY - dt.timedelta(days=max(3, int(length * r.uniform(0.08, 0.92))))
            created = self.business(start - dt.timedelta(days=r.choice([0, 0, 1, 2, 4, 6])))
        else:
            product = self.pick_product(BACKUP_AT - 10 * DAY_MS)
            principal, n = self.pick_terms(product)
            back = {"PENDING_APPROVAL": (0, 21), "APPROVED": (2, 30), "DRAFT": (10, 200)}[status]
            if special == "deleted":
                back = (8, 60)
            created = self.business(BACKUP_DAY - dt.timedelta(days=r.randint(*back)))
            if created >= BACKUP_AT - HOUR_MS:
                created = BACKUP_AT - r.randint(2, 20) * HOUR_MS
            start = day_of(created) + dt.timedelta(days=r.randint(0, 7))
        loan = self.new_loan(member, status, special, created, start, product, principal, n, sups)
        if loan["approved"] and loan["approved"] > BACKUP_AT - HOUR_MS:
            raise Skip
        if status == "ACTIVE":
            self.run_active(loan)
        elif status == "DEFAULTED":
            self.run_defaulted(loan)
        elif status == "APPROVED":
            loan["updated"] = loan["approved"]
        if special == "deleted":
            last = max([loan["updated"]] + [p["created"] for p in loan["payments"]])
            loan["deleted"] = self.between(last + HOUR_MS, min(last + 20 * DAY_MS, BACKUP_AT - HOUR_MS))
        self.attach(member, loan)

    def place_closed(self, member, status, special, sups):
        r = self.rng
        union = member["history"][0][1]
        latest = (member["earliest"] or BACKUP_AT) - r.randint(1, 30) * DAY_MS
        floor = union["created"] + 3 * DAY_MS
        product = self.pick_product(self.between(floor, latest))
        principal, n = self.pick_terms(product, -1 if special == "short" else 0)
        length = term_days(product["unit"], n)
        tail = {"COMPLETED": 50, "WRITTEN_OFF": 160, "CANCELED": 0}[status]
        hi = latest - (length + tail) * DAY_MS if status != "CANCELED" else latest - 15 * DAY_MS
        if hi < floor:
            raise Skip
        created = self.business(day_of(self.between(floor, hi)))
        start = day_of(created) + dt.timedelta(days=r.choice([0, 0, 1, 3, 6]))
        loan = self.new_loan(member, status, special, created, start, product, principal, n, sups)
        if status == "CANCELED":
            loan["canceled"] = self.between(created + HOUR_MS, created + 10 * DAY_MS)
            loan["closed"] = loan["canceled"]
            loan["updated"] = loan["canceled"]
            if loan["approved"] and loan["approved"] >= loan["canceled"]:
                loan["approved"] = None
                loan["fee_collected"] = False
        elif status == "COMPLETED":
            self.run_completed(loan, latest)
        else:
            self.run_defaulted(loan, latest=latest, write_off=True)
        if loan["closed"] > latest:
            raise Skip
        self.attach(member, loan)

    def attach(self, member, loan):
        member["loans"].append(loan)
        member["earliest"] = min(member["earliest"] or BACKUP_AT, loan["created"])
        self.all_loans.append(loan)

    # -- repayments -----------------------------------------------------------------------

    def first_payment_floor(self, loan):
        return max(loan["created"], loan["approved"] or 0, loan["disbursed"] or 0) + HOUR_MS

    def maybe_disburse(self, loan):
        r = self.rng
        if loan["approved"] and r.random() < 0.35:
            loan["disbursed"] = loan["approved"] + r.randint(HOUR_MS, 2 * DAY_MS)

    def plan(self, loan, limit, cap, skip=0.08, partial=0.15):
        """Payments up to `limit` (exclusive), never paying beyond `cap` in total: one
        collection per installment (a week at a time on daily loans), catching up on what is
        due, sometimes late, short or skipped."""
        r = self.rng
        items = loan["items"]
        cumulative = []
        total = 0
        for item in items:
            total += item["total"]
            cumulative.append(total)
        n = len(items)
        if loan["unit"] == "DAY":
            targets = [min(k, n) - 1 for k in range(7, n + 7, 7)]
        else:
            targets = list(range(n))
        paid = 0
        at = self.first_payment_floor(loan)
        events = []
        for index in targets:
            u = r.random()
            delay = (-r.randint(1, 3) if u < 0.1 else 0 if u < 0.55 else
                     r.randint(1, 7) if u < 0.85 else r.randint(8, 30))
            when = self.business(items[index]["due"] + dt.timedelta(days=delay))
            if when <= at:
                when = at + r.randint(20 * MINUTE_MS, 5 * HOUR_MS)
            if when >= limit:
                break
            need = min(cumulative[index], cap) - paid
            if need <= 0:
                continue
            u = r.random()
            if u < skip:
                continue
            if u < skip + partial:
                amount = int(need * r.uniform(0.3, 0.9)) // 10000 * 10000
                if amount <= 0:
                    continue
            else:
                amount = need
            events.append([when, amount])
            paid += amount
            at = when
        return events, paid, total, at

    def record(self, loan, events):
        """Writes the repayments of `events` ([paidAt, amount]) and allocates them oldest
        installment first, as the original did."""
        r = self.rng
        for when, amount in events:
            created = when + r.randint(5, 30)
            union = loan["union"]
            receiver = self.officer_at(union, when)
            u = r.random()
            if u < 0.1:
                receiver = loan["supervisor"]
            elif u < 0.14:
                receiver = self.admin
            payment = dict(id=self.cuid(created), paid_at=when, created=created, amount=amount,
                           receiver=receiver, allocations=[], deleted=None)
            self.allocate(loan, payment)
            loan["payments"].append(payment)

    def allocate(self, loan, payment, apply=True):
        left = payment["amount"]
        stamp = payment["created"] + self.rng.randint(10, 25)
        touched = payment["created"] + self.rng.randint(3, 9)
        for item in loan["items"]:
            if left == 0:
                break
            open_amount = item["total"] - item["paid"]
            if open_amount <= 0:
                continue
            part = min(open_amount, left)
            left -= part
            payment["allocations"].append([item, part, stamp])
            if apply:
                item["paid"] += part
                item["updated"] = touched
                if item["paid"] == item["total"]:
                    item["closed"] = touched
        payment["unallocated"] = left

    def activation(self, loan):
        """An officer's approved loan turns ACTIVE at its disbursement or its first payment."""
        if loan["by_admin"]:
            loan["updated"] = loan["created"]
            return
        if loan["disbursed"]:
            loan["updated"] = loan["disbursed"]
        elif loan["payments"]:
            loan["updated"] = loan["payments"][0]["created"] + 2
        else:
            loan["disbursed"] = loan["approved"] + self.rng.randint(HOUR_MS, DAY_MS)
            loan["updated"] = loan["disbursed"]

    def run_active(self, loan):
        self.maybe_disburse(loan)
        total = loan["items"][0]["total"] * loan["n"]
        last = loan["items"][-1]["total"]
        past_end = day_ms(loan["end"]) < BACKUP_AT
        limit = min(BACKUP_AT - 2 * HOUR_MS, day_ms(loan["end"])) if past_end else BACKUP_AT - 2 * HOUR_MS
        cap = total - last - (self.rng.randint(1, 5) * 100000 if past_end else 0)
        cap = max(cap, 0)
        if loan["special"] == "overpaid":  # wants repayments that span installments
            events, paid, total, at = self.plan(loan, limit, cap, skip=0.35)
            if len(events) < 2:
                events, paid, total, at = self.plan(loan, limit, cap, skip=0, partial=0.6)
        else:
            events, paid, total, at = self.plan(loan, limit, cap)
        if loan["special"] == "deleted":
            events = events[:2]
        self.record(loan, events)
        self.activation(loan)
        special = loan["special"]
        if special == "deleted_repayment" and loan["payments"]:
            self.deleted_repayment(loan)
        if special == "overpaid":
            self.overpay(loan)

    def run_completed(self, loan, latest):
        r = self.rng
        self.maybe_disburse(loan)
        total = loan["items"][0]["total"] * loan["n"]
        events, paid, total, at = self.plan(loan, latest, total, skip=0.05, partial=0.1)
        while paid < total:
            at = self.business(day_of(at) + dt.timedelta(days=r.randint(1, 12)))
            if at >= latest:
                raise Skip
            amount = total - paid
            events.append([at, amount])
            paid += amount
        if not events:
            raise Skip
        if loan["special"] == "short":
            # The member paid the whole principal: the cents above the schedule's sum stayed
            # unallocated (README 6.5, LN00000061).
            events[-1][1] += loan["principal"] - total
        self.record(loan, events)
        self.activation(loan)
        finish = loan["payments"][-1]
        loan["closed"] = max(item["closed"] or 0 for item in loan["items"])
        loan["closed"] = max(loan["closed"], finish["created"] + 5)
        loan["updated"] = loan["closed"]

    def run_defaulted(self, loan, latest=BACKUP_AT - 2 * HOUR_MS, write_off=False):
        """Short payments to the end date, then a payment after it with a balance left: the
        original turned the loan DEFAULTED then. A write-off closes it later."""
        r = self.rng
        self.maybe_disburse(loan)
        total = loan["items"][0]["total"] * loan["n"]
        keep = sum(item["total"] for item in loan["items"][-r.randint(1, 3):])
        end = day_ms(loan["end"])
        events, paid, total, at = self.plan(loan, min(end, latest), total - keep,
                                            skip=0.2, partial=0.35)
        late = at
        for _ in range(r.randint(1, 2)):
            late = self.business(max(day_of(late), loan["end"]) + dt.timedelta(days=r.randint(1, 40)))
            amount = int((total - paid) * r.uniform(0.2, 0.6)) // 10000 * 10000
            if late >= latest - (40 * DAY_MS if write_off else 0) or amount <= 0:
                break
            events.append([late, amount])
            paid += amount
        if not events or events[-1][0] < end:
            raise Skip
        self.record(loan, events)
        self.activation(loan)
        loan["defaulted"] = loan["payments"][-1]["created"] + 3
        loan["updated"] = loan["defaulted"]
        if write_off:
            loan["closed"] = self.between(loan["defaulted"] + 20 * DAY_MS, loan["defaulted"] + 90 * DAY_MS)
            if loan["closed"] >= latest:
                loan["closed"] = self.between(loan["defaulted"] + DAY_MS, latest - HOUR_MS)
            loan["updated"] = loan["closed"]

    def deleted_repayment(self, loan):
        """README section 5: a repayment keyed wrong (three times the amount), deleted by the
        supervisor within the day and entered again. Its allocation rows stay behind; the
        paid amounts of the installments do not count it."""
        r = self.rng
        payment = loan["payments"][-1]
        undo = {}
        for item, part, _ in payment["allocations"]:
            undo[id(item)] = undo.get(id(item), 0) + part
        before = [(item, item["paid"] - undo.get(id(item), 0)) for item in loan["items"]]
        owed = sum(item["total"] - paid for item, paid in before)
        amount = min(payment["amount"] * 3, owed)
        if amount <= 0:
            return
        when = payment["paid_at"] - r.randint(20 * MINUTE_MS, 3 * HOUR_MS)
        created = when + r.randint(5, 30)
        wrong = dict(id=self.cuid(created), paid_at=when, created=created, amount=amount,
                     receiver=payment["receiver"], allocations=[],
                     deleted=payment["paid_at"] - r.randint(MINUTE_MS, 15 * MINUTE_MS),
                     deleted_by=loan["supervisor"])
        stamp = created + r.randint(10, 25)
        left = amount
        for item, paid in before:
            part = min(item["total"] - paid, left)
            if part > 0:
                wrong["allocations"].append([item, part, stamp])
                left -= part
        loan["payments"].insert(len(loan["payments"]) - 1, wrong)

    def overpay(self, loan):
        """README 6.6: a hand repair left installment k paid above its due and k+1 short, in
        the paid amounts and in the allocation rows of one repayment alike."""
        items = loan["items"]
        for payment in reversed(loan["payments"]):
            if payment["deleted"]:
                continue
            allocations = payment["allocations"]
            for j, (item, part, stamp) in enumerate(allocations):
                index = item["seq"] - 1
                if index == 0 or part < 100000:
                    continue
                previous = items[index - 1]
                if previous["paid"] != previous["total"]:
                    continue
                shift = min(50000, part // 2 // 10000 * 10000)
                if j > 0 and allocations[j - 1][0] is previous:
                    allocations[j - 1][1] += shift
                else:
                    allocations.insert(j, [previous, shift, stamp])
                for row in allocations:
                    if row[0] is item:
                        row[1] -= shift
                previous["paid"] += shift
                item["paid"] -= shift
                item["closed"] = None
                return
        loan["special"] = None  # nothing to repair: no repayment fits

    # -- writing loans ----------------------------------------------------------------------

    def finish_loans(self):
        """Numbers in creation order, then every loan's rows and audit rows."""
        self.all_loans.sort(key=lambda loan: loan["created"])
        for number, loan in enumerate(self.all_loans, 1):
            loan["number"] = f"LN{number:08d}"
        for loan in self.all_loans:
            self.write_loan(loan)
        self.all_loans = None

    def loan_row(self, loan, status, updated, final=True):
        notes = loan["notes"]
        if final and loan.get("approved_note") and loan["approved"]:
            notes = f"{notes}\n\n{loan['approved_note']}"
        return {
            "id": loan["id"], "loanNumber": loan["number"], "unionMemberId": loan["member"]["id"],
            "unionId": loan["union"]["id"],
            "loanTypeId": loan["product"]["id"] if loan["product"] else None,
            "principalAmount": money(loan["principal"]), "currencyCode": "NGN",
            "termCount": loan["n"], "termUnit": loan["unit"],
            "startDate": day_iso(loan["start"]), "endDate": day_iso(loan["end"]),
            "processingFeeAmount": money(loan["fee"]),
            "processingFeeCollected": loan["fee_collected"] if final else False,
            "penaltyFeePerDayAmount": money(loan["penalty"]), "status": status,
            "createdByUserId": loan["creator"]["id"],
            "assignedOfficerId": loan["assigned"]["id"] if loan["assigned"] else None,
            "disbursedAt": iso_or_none(loan["disbursed"]) if final else None,
            "closedAt": iso_or_none(loan["closed"]) if final else None,
            "notes": notes, "createdAt": iso(loan["created"]), "updatedAt": iso(updated),
            "deletedAt": iso_or_none(loan["deleted"]) if final else None,
        }

    def write_loan(self, loan):
        r = self.rng
        status = loan["status"]
        created = loan["created"]
        creator = loan["creator"]
        first = ("ACTIVE" if loan["by_admin"] else "DRAFT" if status == "DRAFT"
                 else "PENDING_APPROVAL")
        self.audit(creator, "LOAN_CREATED", "Loan", loan["id"],
                   self.loan_row(loan, first, created, final=False), created + r.randint(30, 120))
        if loan["approved"]:
            approved = dict(self.loan_row(loan, "APPROVED", loan["approved"]), disbursedAt=None,
                            closedAt=None, deletedAt=None)
            self.audit(loan["supervisor"], "LOAN_STATUS_UPDATED", "Loan", loan["id"], approved,
                       loan["approved"] + r.randint(20, 80), path=f"/{loan['id']}/status",
                       method="PUT")
        if loan["disbursed"]:
            row = dict(self.loan_row(loan, "ACTIVE", loan["disbursed"]), closedAt=None,
                       deletedAt=None)
            actor = self.admin if r.random() < 0.5 else loan["supervisor"]
            self.audit(actor, "LOAN_DISBURSED", "Loan", loan["id"], row,
                       loan["disbursed"] + r.randint(15, 60), path=f"/{loan['id']}/disburse")
        if status in ("CANCELED", "WRITTEN_OFF") or (status == "COMPLETED" and r.random() < 0.3):
            at = loan["closed"]
            actor = self.admin if status == "WRITTEN_OFF" else loan["supervisor"]
            self.audit(actor, "LOAN_STATUS_UPDATED", "Loan", loan["id"],
                       dict(self.loan_row(loan, status, at), deletedAt=None),
                       at + r.randint(20, 80), path=f"/{loan['id']}/status", method="PUT")
        self.emit("loans", self.loan_row(loan, status, loan["updated"]))
        # The schedule, created with the loan; statuses as of the last payment.
        item_created = loan["items_created"]
        last_payment = max([p["paid_at"] for p in loan["payments"] if not p["deleted"]] or [0])
        last_day = day_of(last_payment) if last_payment else None
        for item in loan["items"]:
            if item["paid"] >= item["total"]:
                state = "PAID"
            elif item["paid"] > 0:
                state = "PARTIAL"
            elif last_day and item["due"] < last_day:
                state = "OVERDUE"
            else:
                state = "PENDING"
            updated = item["updated"] or item_created
            if state == "OVERDUE":
                updated = max(updated, last_payment + 20)
            self.emit("repaymentScheduleItems", {
                "id": item["id"], "loanId": loan["id"], "sequence": item["seq"],
                "dueDate": day_iso(item["due"]), "principalDue": money(item["total"]),
                "interestDue": "0", "feeDue": "0", "totalDue": money(item["total"]),
                "paidAmount": money(item["paid"]), "status": state,
                "closedAt": iso_or_none(item["closed"] if state == "PAID" else None),
                "createdAt": iso(item_created), "updatedAt": iso(updated),
                "deletedAt": iso_or_none(loan["deleted"])})
        methods = ["CASH", "TRANSFER", "POS", "MOBILE", "USSD", "OTHER"]
        for payment in loan["payments"]:
            method = r.choices(methods, [277, 146, 37, 22, 21, 10])[0]
            deleted = payment["deleted"] or loan["deleted"]
            row = {
                "id": payment["id"], "loanId": loan["id"],
                "receivedByUserId": payment["receiver"]["id"], "amount": money(payment["amount"]),
                "currencyCode": "NGN", "paidAt": iso(payment["paid_at"]), "method": method,
                "reference": self.reference(method, payment["paid_at"]),
                "notes": r.choice([None] * 30 + ["Paid by her husband.",
                                                 "Collected at the union meeting.",
                                                 "Paid at the office.",
                                                 "Paid through the union secretary."]),
                "createdAt": iso(payment["created"]), "updatedAt": iso(payment["created"]),
                "deletedAt": iso_or_none(deleted),
            }
            self.emit("repayments", row)
            self.audit(payment["receiver"], "REPAYMENT_CREATED", "Repayment", payment["id"],
                       dict(row, deletedAt=None), payment["created"] + r.randint(60, 240))
            if payment["deleted"]:
                self.audit(payment["deleted_by"], "REPAYMENT_DELETED", "Repayment",
                           payment["id"], None, payment["deleted"] + r.randint(20, 60),
                           path="/" + payment["id"], method="DELETE")
            for item, part, stamp in payment["allocations"]:
                self.emit("repaymentAllocations", {
                    "id": self.cuid(stamp), "repaymentId": payment["id"],
                    "scheduleItemId": item["id"], "amount": money(part),
                    "createdAt": iso(stamp)})
        if loan["deleted"]:
            at = loan["deleted"]
            self.audit(self.admin, "LOAN_DELETED", "Loan", loan["id"], None, at + r.randint(10, 40),
                       path="/" + loan["id"], method="DELETE", ua=UA_DESKTOP)
            self.audit(self.admin, "LOAN_DELETED", "Loan", loan["id"], None, at + r.randint(40, 90),
                       metadata={"loanNumber": loan["number"],
                                 "reason": "Loan deleted via application", "userRole": "ADMIN"},
                       ip=False)
        # Documents: a guarantor form and the agreement for a third of the loans.
        if status not in ("DRAFT",) and r.random() < 0.3:
            for code in r.sample(["GUARANTO", "LOANAGRE"], r.choice([1, 1, 2])):
                at = created + r.randint(5 * MINUTE_MS, 2 * DAY_MS)
                if at >= BACKUP_AT:
                    continue
                self.document("loanDocuments", "loanId", loan["id"], code, None, at,
                              self.officer_at(loan["union"], at), "loans", f"/loan/{loan['id']}")
        # Free the memory of what was written.
        loan["items"] = None
        loan["payments"] = None

    def reference(self, method, at):
        r = self.rng
        digits = lambda n: "".join(r.choice("0123456789") for _ in range(n))
        if method == "CASH":
            return f"RCPT-{digits(5)}" if r.random() < 0.4 else None
        if method == "TRANSFER":
            stamp = day_of(at).strftime("%y%m%d") + iso(at)[11:19].replace(":", "")
            return f"{r.choice(['1100', '1000', '0000'])}{digits(2)}{stamp}{digits(12)}"
        if method == "POS":
            return f"RRN {digits(12)}" if r.random() < 0.8 else None
        if method == "MOBILE":
            return f"{r.choice(['OPAY', 'PALMPAY', 'MONIEPOINT'])}-{digits(14)}"
        if method == "USSD":
            return f"USSD{digits(10)}"
        return None

    def document(self, array, owner_key, owner_id, code, authority, at, uploader, folder, path,
                 issue=None):
        r = self.rng
        doc_id = self.cuid(at)
        form = r.random()
        if form < 0.95:
            url = (f"https://res.cloudinary.com/dmp7kx2qa/raw/upload/v{at // 1000}/documents/"
                   f"{folder}/{owner_id}/{at}-{''.join(r.choice(B36) for _ in range(6))}")
        elif form < 0.98:
            url = f"/var/data/uploads/loan-documents/{at}-{r.randint(100000000, 999999999)}.{r.choice(['jpg', 'pdf'])}"
        else:
            url = f"uploads/loan-documents/{at}-{r.randint(100000000, 999999999)}.pdf"
        verified = r.random() < 0.7
        row = {"id": doc_id, owner_key: owner_id, "documentTypeId": self.doc_types[code],
               "fileUrl": url, "issuingAuthority": authority,
               "issueDate": day_iso(issue) if issue else None, "expiryDate": None,
               "verified": verified,
               "verificationNotes": r.choice(VERIFICATION_NOTES) if verified else None,
               "uploadedByUserId": uploader["id"], "uploadedAt": iso(at), "deletedAt": None}
        action = "LOAN_DOCUMENT_UPLOADED" if array == "loanDocuments" else "UNION_MEMBER_DOCUMENT_UPLOADED"
        entity = "LoanDocument" if array == "loanDocuments" else "UnionMemberDocument"
        self.audit(uploader, action, entity, doc_id, row, at + r.randint(20, 90), path=path)
        if r.random() < 0.03:
            row["deletedAt"] = iso(self.between(at + HOUR_MS, min(at + 3 * DAY_MS, BACKUP_AT - MINUTE_MS)))
        self.emit(array, row)

    # -- writing members --------------------------------------------------------------------

    def finish_members(self, members):
        r = self.rng
        for member in members:
            union = member["history"][0][1]
            lo = union["created"] + HOUR_MS
            strict = (member["earliest"] or BACKUP_AT) - HOUR_MS
            if member["moved"]:
                strict = min(strict, member["moved"][0] - DAY_MS)
            hi = (member["earliest"] - r.randint(1, 60) * DAY_MS) if member["earliest"] else BACKUP_AT - DAY_MS
            hi = min(hi, strict)
            created = self.business(day_of(self.between(lo, hi)))
            if not lo <= created <= strict:
                created = self.between(lo, strict)
            if not lo <= created <= strict:
                raise RuntimeError("a member cannot be placed before their loans")
            member["created"] = created
            member["id"] = self.cuid(created)
        # README 6.2: the second address is the later member's.
        for member in members:
            other = member.get("after")
            if other and member["created"] <= other["created"]:
                member["email"], other["email"] = other["email"], member["email"]
        self.all_members.extend(members)
        for member in members:
            for loan in member["loans"]:
                loan["union"] = self.union_at(member, loan["created"])

    def write_members(self):
        r = self.rng
        self.all_members.sort(key=lambda m: m["created"])
        code = 0
        for member in self.all_members:
            if member["code"]:
                code += 1
                member["code"] = f"MEM{code:06d}"
            else:
                member["code"] = None
        for member in self.all_members:
            first_union = member["history"][0][1]
            created = member["created"]
            officer = self.officer_at(first_union, created)
            place = first_union["place"]
            row = {
                "id": member["id"], "code": member["code"], "firstName": member["first"],
                "lastName": member["last"], "phone": self.phone(), "email": member["email"],
                "address": f"No. {r.randint(1, 150)} {r.choice(STREETS)}, {place}",
                "dateOfBirth": day_iso(dt.date(1962, 1, 1) + dt.timedelta(days=r.randint(0, 14000))),
                "gender": None if r.random() < 0.04 else ("FEMALE" if member["female"] else "MALE"),
                "maritalStatus": r.choice([None, "SINGLE", "MARRIED", "MARRIED", "MARRIED",
                                           "DIVORCED", "WIDOWED"]),
                "profession": first_union["profession"],
                "company": r.choice([None, None, f"{member['first']} Ventures",
                                     f"{member['last']} & Sons", "Success Ventures"]),
                "city": place, "state": first_union["state"], "country": "Nigeria",
                "zipCode": r.choice([None] * 8 + ["100119", "100001", "110001"]), "note": None,
                "profileImage": self.cloudinary_image(created, "union-members") if r.random() < 0.3 else None,
                "isVerified": r.random() < 0.95, "unionId": first_union["id"],
                "currentOfficerId": officer["id"], "createdAt": iso(created),
                "updatedAt": iso(created), "deletedAt": None,
            }
            self.audit(officer, "UNION_MEMBER_CREATED", "UnionMember", member["id"], row,
                       created + r.randint(40, 120))
            # Documents, uploaded soon after the member was registered.
            for _ in range(r.choices([0, 1, 2, 3], [20, 60, 15, 5])[0]):
                code, _, authority = r.choices(MEMBER_DOCUMENTS, [w for _, w, _ in MEMBER_DOCUMENTS])[0]
                at = created + r.randint(MINUTE_MS, 5 * DAY_MS)
                if at >= BACKUP_AT:
                    continue
                issue = (dt.date(2012, 1, 1) + dt.timedelta(days=r.randint(0, 4000))) if code == "NID" and r.random() < 0.5 else None
                self.document("unionMemberDocuments", "unionMemberId", member["id"], code,
                              authority, at, self.officer_at(first_union, at), "union-members",
                              f"/union-member/{member['id']}", issue)
            if member["moved"]:
                at, old, new = member["moved"]
                row["unionId"] = new["id"]
                row["currentOfficerId"] = self.officer_at(new, at)["id"]
                row["updatedAt"] = iso(at)
                self.emit("unionMemberReassignments", {
                    "id": self.cuid(at), "unionMemberId": member["id"], "oldUnionId": old["id"],
                    "newUnionId": new["id"], "oldOfficerId": self.officer_at(old, at)["id"],
                    "newOfficerId": row["currentOfficerId"], "changedByUserId": self.admin["id"],
                    "reason": "Union dissolved - member moved", "changedAt": iso(at)})
                self.audit(self.admin, "UNION_MEMBER_REASSIGNED", "UnionMember", member["id"],
                           row, at + r.randint(10, 40), path=f"/{member['id']}/reassign",
                           ua=UA_DESKTOP)
            if member.get("after") and member["email"] and member["email"] != member["email"].lower():
                at = self.between(created + DAY_MS, BACKUP_AT - DAY_MS)
                row["updatedAt"] = iso(at)
                self.audit(self.admin, "UNION_MEMBER_UPDATED", "UnionMember", member["id"], row,
                           at, path="/" + member["id"], method="PUT", ua=UA_DESKTOP)
            if member["deleted"]:
                at = self.between(created + 2 * DAY_MS, BACKUP_AT - DAY_MS)
                row["deletedAt"] = iso(at)
                row["updatedAt"] = iso(at)
                self.audit(self.admin, "UNION_MEMBER_DELETED", "UnionMember", member["id"], None,
                           at, path="/" + member["id"], method="DELETE", ua=UA_DESKTOP)
            union = member["history"][-1][1]
            row["currentOfficerId"] = union["officers"][-1][1]["id"]
            self.emit("unionMembers", row)
        self.all_members = None

    # -- staff activity ---------------------------------------------------------------------

    def logins(self):
        r = self.rng
        for user in self.users:
            if not user["active"]:
                user["login_count"] = 0
                continue
            first = max(HISTORY_FROM, day_of(user["created"]) + dt.timedelta(days=1))
            last = day_of(user["deleted"]) if user["deleted"] else BACKUP_DAY
            rate = r.uniform(0.2, 0.35) if user["role"] != "ADMIN" else 0.6
            day = first
            successes = []
            while day <= last:
                if day.weekday() < 6 and r.random() < rate:
                    at = self.business(day)
                    if user["deleted"] and at >= user["deleted"]:
                        break
                    if at >= BACKUP_AT:
                        break
                    if r.random() < 0.045:
                        failed = at - r.randint(20_000, 300_000)
                        self.emit("userLoginHistory", {
                            "id": self.cuid(failed), "userId": user["id"], "loginAt": iso(failed),
                            "ipAddress": self.ip(), "userAgent": user["ua"], "success": False,
                            "failureReason": "Invalid password", "createdAt": iso(failed)})
                    self.emit("userLoginHistory", {
                        "id": self.cuid(at), "userId": user["id"], "loginAt": iso(at),
                        "ipAddress": self.ip(), "userAgent": user["ua"], "success": True,
                        "failureReason": None, "createdAt": iso(at)})
                    successes.append(at)
                day += dt.timedelta(days=1)
            before = max(0, (HISTORY_FROM - day_of(user["created"])).days)
            user["logins"] = successes
            user["login_count"] = len(successes) + r.randint(0, before // 3 + 1) if before else len(successes)
            if successes and not user["deleted"]:
                user["updated"] = max(user["updated"], successes[-1] + r.randint(10, 40))

    def notes(self, sups, officers):
        r = self.rng
        topics = [("Quarterly appraisal", "performance", "Portfolio in {union} is satisfactory. Needs to improve documentation of guarantors."),
                  ("Union meeting visit", "general", "Joined {union} at the union meeting; attendance satisfactory. Members asked about bigger loans."),
                  ("Member complaint", "customer_feedback", "A member in {union} complained that receipts were not issued. Officer reminded to issue receipts.")]
        for _ in range(4):
            officer = r.choice(officers[:-2])
            author = officer["supervisor"] if officer["supervisor"] else self.admin
            title, category, text = r.choice(topics)
            at = self.business(dt.date(2025, 5, 1) + dt.timedelta(days=r.randint(0, 280)))
            self.emit("userNotes", {
                "id": self.cuid(at), "userId": officer["id"], "title": title,
                "content": text.format(union=r.choice(self.block_unions)["name"]),
                "category": category, "isPrivate": r.random() < 0.5,
                "createdByUserId": author["id"], "createdAt": iso(at), "updatedAt": iso(at)})

    def report(self, sup, team, unions, loans_by_union, start, end, kind, title):
        """A supervisor's report snapshot: figures of the team's loans created in the period."""
        r = self.rng
        period_start = day_ms(start)
        period_end = day_ms(end) + DAY_MS - 1
        per_officer = []
        totals = dict(loans=0, active=0, completed=0, defaulted=0, disbursed=0, repaid=0,
                      members=0, verified=0, unions=0)
        for officer in team:
            own = [u for u in unions if u["officers"][-1][1] is officer and not u["deleted"]]
            figures = dict(loans=0, active=0, completed=0, defaulted=0, disbursed=0, repaid=0)
            for union in own:
                for loan in loans_by_union.get(union["id"], []):
                    if not period_start <= loan[0] <= period_end:
                        continue
                    figures["loans"] += 1
                    figures["disbursed"] += loan[1]
                    figures["repaid"] += loan[2]
                    figures["active"] += loan[3] == "ACTIVE"
                    figures["completed"] += loan[3] == "COMPLETED"
                    figures["defaulted"] += loan[3] == "DEFAULTED"
            members = sum(len(u["members"]) for u in own)
            rate = figures["repaid"] / figures["disbursed"] * 100 if figures["disbursed"] else 0
            per_officer.append({
                "activeLoans": figures["active"], "collectionRate": rate,
                "completedLoans": figures["completed"], "defaultedLoans": figures["defaulted"],
                "email": officer["email"], "lastActivityAt": iso(period_end - r.randint(DAY_MS, 5 * DAY_MS)),
                "officerId": officer["id"], "officerName": f"{officer['first']} {officer['last']}",
                "pendingMembers": r.randint(0, 2), "totalDisbursed": figures["disbursed"] / 100,
                "totalLoans": figures["loans"], "totalMembers": members,
                "totalOutstanding": (figures["disbursed"] - figures["repaid"]) / 100,
                "totalRepaid": figures["repaid"] / 100, "totalUnions": len(own),
                "verifiedMembers": members - r.randint(0, 1) if members else 0})
            for key in figures:
                totals[key] += figures[key]
            totals["members"] += members
            totals["unions"] += len(own)
        per_officer = [{k: num(v) for k, v in row.items()} for row in per_officer]
        rate = totals["repaid"] * 100 // totals["disbursed"] if totals["disbursed"] else 0
        outstanding = max(0, totals["disbursed"] - totals["repaid"])
        generated = min(period_end + r.randint(HOUR_MS, 5 * DAY_MS), BACKUP_AT - HOUR_MS)
        summary = {"activeLoans": totals["active"], "collectionRate": rate,
                   "completedLoans": totals["completed"], "defaultedLoans": totals["defaulted"],
                   "pendingMembers": 1, "totalDisbursed": totals["disbursed"] // 100,
                   "totalLoans": totals["loans"], "totalMembers": totals["members"],
                   "totalOfficers": len(team), "totalOutstanding": num(outstanding / 100),
                   "totalRepaid": num(totals["repaid"] / 100), "totalUnions": totals["unions"],
                   "verifiedMembers": totals["members"] - 1}
        self.emit("reportSessions", {
            "id": self.cuid(generated), "supervisorId": sup["id"], "reportType": kind,
            "title": title, "periodStart": iso(period_start), "periodEnd": iso(period_end),
            "totalOfficers": len(team), "totalUnions": totals["unions"],
            "totalMembers": totals["members"], "totalLoans": totals["loans"],
            "activeLoans": totals["active"], "completedLoans": totals["completed"],
            "defaultedLoans": totals["defaulted"], "totalDisbursed": money(totals["disbursed"]),
            "totalRepaid": money(min(totals["repaid"], totals["disbursed"])),
            "totalOutstanding": money(outstanding), "collectionRate": money(rate * 100),
            "reportData": {
                "loanStatusDistribution": [
                    {"amount": totals["disbursed"] // 100, "count": totals["loans"], "status": "ACTIVE"}],
                "officerPerformance": per_officer, "summary": summary,
                "supervisor": {"email": sup["email"], "id": sup["id"],
                               "name": f"{sup['first']} {sup['last']}"}},
            "officerMetrics": per_officer, "generatedAt": iso(generated)})

    # -- the whole book ---------------------------------------------------------------------

    def build(self):
        self.fixed()
        blocks = []
        for block in range(self.scale):
            sups, officers = self.staff(block)
            unions = self.unions(block, sups, officers)
            self.block_unions = unions
            members = self.members(block, unions)
            self.loans(block, members, sups)
            self.finish_members(members)
            self.notes(sups, officers)
            for union in unions:
                self.emit("unions", self.union_row(union))
            loans_by_union = {}
            for member in members:
                for loan in member["loans"]:
                    repaid = sum(p["amount"] for p in loan["payments"] if not p["deleted"])
                    loans_by_union.setdefault(loan["union"]["id"], []).append(
                        (loan["created"], loan["principal"], repaid, loan["status"]))
            blocks.append((sups, officers, unions, loans_by_union))
        # Ids of loans and installments once every block is placed.
        for loan in sorted(self.all_loans, key=lambda loan: loan["created"]):
            loan["id"] = self.cuid(loan["created"])
            loan["items_created"] = loan["created"] + self.rng.randint(12, 30)
            for item in loan["items"]:
                item["id"] = self.cuid(loan["items_created"])
        # Reports: three for each ten blocks, by the supervisors of the first blocks.
        for index in range(max(1, (self.scale + 9) // 10)):
            sups, officers, unions, loans_by_union = blocks[index]
            sup = sups[0]
            team = [o for o in officers if o["supervisor"] is sup and not o["deleted"]]
            for start, end, kind, title in [
                    (dt.date(2025, 12, 1), dt.date(2025, 12, 31), "MONTHLY",
                     "MONTHLY Report - 12/1/2025 to 12/31/2025"),
                    (dt.date(2026, 1, 1), dt.date(2026, 1, 31), "CUSTOM", "Team review January 2026"),
                    (dt.date(2026, 1, 1), dt.date(2026, 1, 31), "MONTHLY",
                     "MONTHLY Report - 1/1/2026 to 1/31/2026")]:
                self.report(sup, team, unions, loans_by_union, start, end, kind, title)
        self.write_members()
        self.finish_loans()
        self.logins()
        for user in self.users:
            self.emit("users", self.user_row(user))

    # -- the file ---------------------------------------------------------------------------

    def write(self, path):
        for name in ARRAYS:
            self.rows[name].sort(key=lambda row: row[0])
            ids = [row[0] for row in self.rows[name]]
            if len(set(ids)) != len(ids):
                raise RuntimeError(f"duplicate ids in {name}")
        counts = {name: len(self.rows[name]) for name in ARRAYS}
        metadata = {"version": "1.0", "createdAt": iso(BACKUP_AT), "systemVersion": "1.0.0",
                    "recordCounts": counts}
        digest = hashlib.sha256()
        digest.update(b'{"metadata":')
        digest.update(json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode())
        digest.update(b',"data":{')
        for i, name in enumerate(ARRAYS):
            chunk = [("," if i else "") + f'"{name}":[']
            chunk.append(",".join(text for _, text in self.rows[name]))
            chunk.append("]")
            digest.update("".join(chunk).encode())
        digest.update(b"}}")
        metadata["checksum"] = digest.hexdigest()
        temporary = f"{path}.partial"
        with open(temporary, "w", encoding="utf-8", newline="\n") as out:
            meta = json.dumps(metadata, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            out.write('{\n  "metadata": ' + meta + ',\n  "data": {\n')
            for i, name in enumerate(ARRAYS):
                rows = self.rows[name]
                out.write((",\n" if i else "") + f'    "{name}": [')
                if not rows:
                    out.write("]")
                    continue
                buffer = []
                for j, (_, text) in enumerate(rows):
                    pretty = json.dumps(json.loads(text), ensure_ascii=False, indent=2)
                    buffer.append(("\n      " if j == 0 else ",\n      ") +
                                  pretty.replace("\n", "\n      "))
                    if len(buffer) >= 2000:
                        out.write("".join(buffer))
                        buffer = []
                out.write("".join(buffer))
                self.rows[name] = None  # written: free it
                out.write("\n    ]")
            out.write("\n  }\n}")
        os.replace(temporary, path)
        return counts, metadata["checksum"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=50,
                        help="how many times the sample (default 50)")
    parser.add_argument("--out", help="the file to write (default legacy-backup-xSCALE.json)")
    parser.add_argument("--seed", type=int, default=20260216, help="random seed")
    args = parser.parse_args()
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    out = args.out or f"legacy-backup-x{args.scale}.json"
    started = time.monotonic()
    generator = Generator(args.scale, args.seed)
    generator.build()
    counts, checksum = generator.write(out)
    rows = sum(counts.values())
    size = os.path.getsize(out)
    print(f"{out}: {rows} rows, {size} bytes ({size / 1048576:.1f} MiB), checksum {checksum}, "
          f"{time.monotonic() - started:.1f} s")
    print("  " + ", ".join(f"{name} {count}" for name, count in counts.items()))


if __name__ == "__main__":
    sys.exit(main())
