"""The words invoices put before their values, in Norwegian, Swedish, Danish, English, German,
French and Dutch, each with a weight: how surely the label names that field.

Labels are regular expressions matched against a lower-cased line. A label that is also part of
a longer label for another field ("Nr" in "Kundennr") is kept out by the `_B` word boundaries
and by `EXCLUDE`, which names look-alikes that mean something else (customer numbers, order
numbers, cash discounts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Scans lose diacritics ("Kaufer", "Fallig", "Forfallodag"): labels and the text they are
# matched against are both folded to plain letters, one character for one, so offsets hold.
FOLD = str.maketrans("äöüåæøéèàçâêîôûÄÖÜÅÆØÉÈÀÇ", "aouaaoeeacaeiouAOUAAOEEAC")


def fold(text: str) -> str:
    return text.translate(FOLD)


_L = "a-zß"
_B = rf"(?<![{_L}])"  # no letter before
_E = rf"(?![{_L}])"  # no letter after


@dataclass(frozen=True, slots=True)
class Label:
    pattern: re.Pattern[str]
    weight: float


def _labels(*pairs: tuple[str, float]) -> list[Label]:
    return [Label(re.compile(_B + "(?:" + fold(p) + ")" + _E), w) for p, w in pairs]


LABELS: dict[str, list[Label]] = {
    "invoice_number": _labels(
        (
            r"(?:rechnungs?|faktura|invoice|kreditnota|gutschrifts?|korrektur)[- ]?"
            r"(?:nummer|nr\.?|no\.?|number|#|n°)",
            1.0,
        ),
        # "&" is how scans often read "#".
        (r"[a-zäöü]*rechnung\s*(?:\(\d{3}\)\s*)?(?:nr\.?|#|&)", 1.0),
        (
            r"(?:rechnung|faktura|invoice|facture)(?:\s+[a-zäöüæøå]+){1,3}\s+(?:nr\.?|no\.?|#|nummer)",
            0.8,
        ),
        (
            r"(?:gutschrift|[a-zäöü]*rechnungskorrektur|kreditnota|kreditfaktura|credit note)\s*"
            r"(?:\([^)]{0,40}\)\s*){0,2}"
            r"(?:nr\.?|no\.?|#)",
            1.0,
        ),
        (r"numéro de facture|n° de facture|facture n°|facture no", 1.0),
        (r"factuurnummer|factuurnr\.?|factuur nr\.?|factuur no\.?", 1.0),
        (
            r"fakturanr\.?|faktura nr\.?|fakturanummer|invoice no\.?|inv\.? no\.?|belegnummer|"
            r"bilagsnr\.?|"
            r"beleg-nr\.?",
            1.0,
        ),
        (r"invoice|faktura|rechnung", 0.35),
        (r"nr\.?|no\.?|nummer|number|#", 0.3),
    ),
    "issue_date": _labels(
        (
            r"rechnungsdatum|fakturadato|fakturadatum|invoice date|date of issue|issue date|"
            r"date de (?:la )?facture|date d'émission|belegdatum|beleg-datum|udstedelsesdato|"
            r"utstedt|factuurdatum|datum factuur",
            1.0,
        ),
        (r"issued at|issued on|ausgestellt am", 0.9),
        (r"datum|dato|date|vom|von|du|den", 0.45),
    ),
    "due_date": _labels(
        (
            r"forfallsdato|forfallsdag|forfall|förfallodatum|förfallodag|förfaller|betalas senast|"
            r"sista betalningsdag|due date|payment due|fälligkeitsdatum|fällig am|fälligkeit|"
            r"zahlungsziel|date d'échéance|échéance|forfaldsdato|betales senest|betal senest|"
            r"sidste rettidige betalingsdag|vervaldatum|vervaldag|uiterste betaaldatum|"
            r"betalingsfrist",
            1.0,
        ),
        (
            r"zahlbar bis|zahlbar bis zum|bis zum|betales innen|pay by|due|fällig|remit until|"
            r"pay until|payable until|payable by|à payer avant le|betalas senast den|"
            r"te betalen voor|te voldoen voor|betaal voor",
            0.7,
        ),
        (r"wird am|abgebucht am|eingezogen am|trekkes den|dras den", 0.6),
        (
            r"zahlbar(?: innerhalb \d+ tagen)?(?: netto)? bis(?: zum)?|payable within \d+ days by",
            0.8,
        ),
        (r"bis", 0.3),
    ),
    "totals.net": _labels(
        (
            r"rechnungssumme ohne ust\.?|summe netto|gesamtbetrag netto|nettobetrag|nettosumme|"
            r"netto ?beløp|nettobelopp|net amount|net total|total excl\.? vat|total ex\.? vat|"
            r"sum eks\.? mva|sum ekskl\.? mva|beløp eks\.? mva|totalt eks\.? mva|"
            r"summa exkl\.? moms|belopp exkl\.? moms|total ht|montant ht|total hors taxes?|"
            r"gesamtbeitrag|"
            r"beløb ekskl\.? moms|momsgrundlag|subtotal|sub-total|sub total|zwischensumme|"
            r"totaal excl\.? btw|subtotaal|netto bedrag|bedrag excl\.? btw",
            1.0,
        ),
        (r"eks\.? mva|ekskl\.? mva|exkl\.? moms|excl\.? vat|ohne ust\.?|netto|net", 0.6),
        (r"positionssumme|summe positionen|linjesum|sum linjer", 0.35),
    ),
    "totals.vat": _labels(
        (
            r"ust\.? gesamt|mwst\.? gesamt|steuerbetrag|umsatzsteuerbetrag|mehrwertsteuer|"
            r"sum mva|totalt mva|mva ?beløp|merverdiavgift|summa moms|momsbelopp|total moms|"
            r"moms i alt|vat amount|total vat|vat total|total tax|tax amount|montant tva|"
            r"total tva|ust\.? gesamt|versicherungsteuer|mwst\.?-?betrag|ust\.?-?betrag|"
            r"btw ?bedrag|totaal btw",
            1.0,
        ),
        (r"umsatzsteuer|ust\.?|mwst\.?|mva|moms|vat|tax|tva|btw", 0.6),
    ),
    "totals.gross": _labels(
        (
            r"bruttosumme|gesamtbetrag|rechnungsbetrag|rechnungssumme|bruttobetrag|"
            r"total inkl\.? mva|sum inkl\.? mva|totalt inkl\.? mva|fakturabeløp|fakturabelopp|"
            r"summa inkl\.? moms|total inkl\.? moms|belopp inkl\.? moms|total amount|invoice total|"
            r"grand total|total ttc|montant ttc|total incl\.? vat|i alt inkl\.? moms|"
            r"total payable|due payable|rechnungsbeitrag|endbetrag|fakturabeløb|"
            r"totaal incl\.? btw|factuurbedrag|bedrag incl\.? btw|summe brutto",
            1.0,
        ),
        (r"totalt?|summa|sum|i alt|total|tot\.|totaal", 0.5),
    ),
    "totals.payable": _labels(
        (
            r"zahlbetrag|zu zahlen|å betale|til gode|att betala|amount due|balance due|total due|"
            r"amount payable|net à payer|beløb at betale|restbetrag|betalbart|due payable|"
            r"total payable|payable|summa att betala|totalt å betale|til betaling|at betale|"
            r"reste à payer|montant à payer|te betalen|totaal te betalen|openstaand bedrag|"
            r"att få tillbaka|te ontvangen",
            1.0,
        ),
        (r"offener betrag|restbeløp|rest att betala|outstanding", 0.9),
    ),
    "payment.iban": _labels(
        (r"iban", 1.0),
        (r"bankverbindung|bank details|bankforbindelse|bankförbindelse|bankoplysninger", 0.7),
    ),
    "payment.bic": _labels((r"bic|swift", 1.0)),
    "payment.kid": _labels(
        (
            r"kid(?:-?(?:nr\.?|nummer))?|ocr(?:-?(?:nr\.?|nummer|referens))?|"
            r"betalingsreferanse|referensnummer|fik|betalingsid|betalings-id|betalingskenmerk|"
            r"verwendungszweck|payment reference",
            1.0,
        ),
        (r"reference|referanse|referens|ref\.?", 0.7),
    ),
    "payment.bank_account": _labels(
        (
            r"kontonr\.?|kontonummer|bankkonto|konto|account(?: no\.?| number)?|bankkontonr\.?|"
            r"betal(?:es)? til konto|rekeningnummer|compte",
            1.0,
        ),
    ),
    "payment.bankgiro": _labels((r"bankgiro(?:nr\.?)?|bg(?: nr)?", 1.0)),
    "payment.plusgiro": _labels((r"plusgiro|postgiro|pg(?: nr)?", 1.0)),
    "seller.vat_id": _labels(
        (
            r"ust\.?-?id\.?-?(?:nr\.?)?|umsatzsteuer-?id(?:entifikationsnummer)?|vat(?: reg\.?)?"
            r"(?: no\.?| number| id)?|mva|momsreg\.?(?:nr\.?)?|momsregistreringsnummer|"
            r"org\.? ?nr\.?|organisasjonsnummer|n° tva|tva intracom|tva intracommunautaire|"
            r"btw-?nummer|btw-?nr\.?|cvr-?nr\.?|se-nr\.?|foretaksregisteret|mva-?nr\.?",
            1.0,
        ),
    ),
    "seller.org_number": _labels(
        (
            r"org\.? ?nr\.?|organisasjonsnummer|organisationsnummer|orgnr|foretaksregisteret|"
            r"org\.? ?no\.?|cvr(?:-?nr\.?)?",
            1.0,
        ),
        (r"org\.?", 0.6),
    ),
    "references.preceding_invoices": _labels(
        (
            r"(?:krediterer|krediterar|gjelder|avser|vedrører|kreditering av|credited|crediting|"
            r"refers to|original|ursprüngliche|zu|storno (?:der|zur))"
            r"\s+(?:faktura|rechnung|invoice)"
            r"(?:\s*(?:nr\.?|no\.?|#|nummer))?|originalrechnung(?:\s*nr\.?)?|"
            r"rechnungsbezug|bezug auf rechnung(?:\s*nr\.?)?|avoir sur facture(?:\s*n°)?|"
            r"creditering van factuur|gutschrift zu rechnung(?:\s*nr\.?)?",
            1.0,
        ),
    ),
    "currency": _labels((r"währung|valuta|currency|devise|rechnungswährung", 1.0)),
}


# One pattern per field matching any of its labels: lines without any are skipped quickly.
ANY_LABEL: dict[str, re.Pattern[str]] = {
    field: re.compile("|".join(f"(?:{label.pattern.pattern})" for label in labels))
    for field, labels in LABELS.items()
}


# Phrases that look like a field's label but mean something else; a hit on the same line
# stops that field's candidate.
def _exclude(alternatives: str) -> re.Pattern[str]:
    # Look-alikes must start a word: "tel" is a phone label, "ausgestellte" is not.
    return re.compile(_B + "(?:" + fold(alternatives) + ")")


EXCLUDE: dict[str, re.Pattern[str]] = {
    "invoice_number": _exclude(
        r"kund|customer|bestell|order|ordre|auftrag|lief(?:er)?schein|ihre|your|deres|"
        r"steuer|umsatzsteuer|ust|tax|mva|moms|org|telefon|phone|tel|fax|kundennr|seite|page|side|"
        r"artikel|art-nr|pos|gln|konto|iban|lieferanten|leverandør|lief-nr|referenz|"
        r"vertrag|contract|projekt|police|versicherungs|vorauszahlung|"
        r"originalrechnung|ursprungs|ursprüngliche|bezug|original invoice|credited|"
        r"krediterer|gjelder faktura|avser faktura|globale|cvr|kvk|siret|btw|rekening|"
        r"company no|avoir sur|creditering|gutschrift zu"
    ),
    "issue_date": _exclude(
        r"liefer|leistung|delivery|lever|period|zeitraum|fällig|due|forfall|förfall|"
        r"bestell|order|ordre|geburt|skonto|bis|échéance|zahlbar|original|bezug|vorauszahlung"
    ),
    "due_date": _exclude(r"skonto|rabatt|discount|escompte|rabat|zeitraum|leistung|liefer"),
    "totals.net": _exclude(r"brutto|inkl|incl|ttc|skonto"),
    "totals.vat": _exclude(
        r"id|nr|identif|nummer|number|reg|prozent|befreit|exempt|grundlag|basis|"
        r"exkl|excl|ekskl|eks|ohne|inkl|incl|utan|uten|netto|brutto"
    ),
    "totals.gross": _exclude(
        r"netto|excl|exkl|eks|ohne|zu-|ab-|zuschläge|abschläge|vorauszahl|anzahlung"
    ),
    "totals.payable": _exclude(r"skonto"),
    "payment.bank_account": _exclude(r"iban|inhaber|holder"),
}

# A heading stands alone on its line, or ends in a colon or a slash before more headings.
_HEADING_END = r"\s*(?:$|:|/|\()"

# What may not follow a label directly: "MwSt %" and "USt-Satz" head a rate column.
EXCLUDE_NEXT: dict[str, re.Pattern[str]] = {
    "totals.vat": re.compile(r"\s*[-.]?\s*(?:%|satz|sats|sate|rate|prozent)"),
}


# Headings that open a party's block: the seller's block makes identifiers in it the seller's.
def _folded(pattern: str) -> re.Pattern[str]:
    return re.compile(fold(pattern))


SELLER_HEADINGS = _folded(
    r"^\s*(?:verkäufer|lieferant|leistungserbringer|seller|supplier|vendor|leverandør|leverantör|"
    r"säljare|sælger|fournisseur|vendeur|rechnungssteller|avsender|från|from|leverancier|"
    r"verkoper)" + _HEADING_END
)
BUYER_HEADINGS = _folded(
    r"^\s*(?:käufer|leistungsempfänger|rechnungsempfänger|kunde|buyer|customer|bill to|"
    r"invoice to|sold to|ship to|kjøper|mottaker|kund|köpare|køber|faktureres til|"
    r"fakturaadresse|leveringsadresse|leveransadress|client|acheteur|warenempfänger|"
    r"steuerbevollmächtigter|zahlungsempfänger|payee|tax representative|klant|factuuradres|"
    r"facturé à|"
    r"abweichender \w+|lieferanschrift|delivery address)" + _HEADING_END
)
CREDIT_NOTE = _folded(
    _B + r"(?:gutschrift|kreditnota|kreditfaktura|credit note|creditnote|avoir|creditnota|"
    r"rechnungskorrektur|stornorechnung|korrekturrechnung)" + _E
)
COMPANY_SUFFIX = re.compile(
    r"(?<![\w])(?:gmbh|ag|as|asa|ab|a/s|aps|oy|oyj|ltd\.?|limited|inc\.?|llc|sa|sarl|sas|"
    r"kg|e\.k\.|gbr|mbh|bv|nv|b\.v\.|n\.v\.|hb|kb|ans|da|enk|plc|a\.g\.|co\.?)(?![\w])",
    re.IGNORECASE,
)


# Words around a value that name something other than an invoice field: a reader that knows
# them can tell an order date from an invoice date and a prepayment from a total.
def _context(pattern: str) -> re.Pattern[str]:
    return re.compile(_B + "(?:" + fold(pattern) + ")")


CONTEXT: dict[str, re.Pattern[str]] = {
    "prepaid": _context(
        r"forskudd|innbetalt|tidligere betalt|förskott|redan betalt|avgår|forudbetalt|aconto|"
        r"paid on account|deposit|prepaid|anzahlung|bereits gezahlt|vorauszahlung|acompte|"
        r"déjà payé|reeds betaald|aanbetaling|already paid"
    ),
    "customer": _context(r"kunde|kund|customer|client|klant|debitor|account no"),
    "order": _context(
        r"ordre|order|bestill|bestell|auftrag|commande|po number|purchase|deres ref|er ref|"
        r"jeres ref|your ref|ihre|uw ref|our ref|vår ref|vor ref|unsere"
    ),
    "delivery": _context(r"lever|liefer|leistung|delivery|shipped|livraison|leverdatum|leverans"),
    "period": _context(r"periode|period|zeitraum|période"),
    "printed": _context(
        r"utskrift|skrevet ut|udskrevet|printed|gedruckt|druckdatum|imprimé|afgedrukt"
    ),
    "since": _context(r"siden|sedan|since|seit|depuis|sinds"),
    "phone": _context(r"tlf|telefon|tel\b|phone|tél|fax|mobil"),
    "page": _context(r"side \d|sida \d|page \d|seite \d|pagina \d"),
    "carried": _context(
        r"overført|transport|att överföra|carried forward|brought forward|übertrag|à reporter|"
        r"report"
    ),
    "balance": _context(r"saldo|balance|solde"),
    "discount": _context(r"rabatt|rabat|discount|remise|korting|skonto"),
    "rate": re.compile(r"%|(?<![a-zß])(?:sats|satz|rate|taux|tarief)"),
    "credit": CREDIT_NOTE,
    "title": re.compile(_B + r"(?:faktura|invoice|rechnung|facture|factuur)" + _E),
    "bank": _context(r"bank|rib\b|bankgegevens"),
    "refund": _context(
        r"til gode|att få tillbaka|credit total|gutschriftsbetrag|total avoir|te ontvangen"
    ),
    "quantity": _context(r"antall|antal|qty|quantity|menge|anzahl|qté|quantité|aantal|stk"),
    "price": _context(r"pris|price|preis|prix|prijs|einzelpreis|stukprijs|p\.u\."),
    "line_total": _context(r"beløp|belopp|beløb|amount|betrag|montant|bedrag"),
    "tax_id": _context(r"steuernummer|siret|kvk|company no|registered|handelsregister|hrb"),
}
