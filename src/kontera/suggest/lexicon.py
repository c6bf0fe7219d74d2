"""Kontera's own keyword lexicon for cold start: what an expense is, in NO/SE/EN words.

Written for Kontera from general bookkeeping knowledge — not copied from any chart or list.
Each concept names the NS 4102 account (Norway) and the BAS account (Sweden) where such a
cost is ordinarily booked; `coldstart.py` learns words → concept from it and then maps the
concept's standard account into the company's own chart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Concept:
    key: str
    ns4102: str
    bas: str
    label: str
    words: tuple[str, ...]


def _c(key: str, ns: str, bas: str, label: str, words: str) -> Concept:
    return Concept(key, ns, bas, label, tuple(w.strip() for w in words.split(",")))


CONCEPTS: tuple[Concept, ...] = (
    _c("goods", "4300", "4010", "Purchase of goods for resale",
       "varekjøp, innkjøp varer, handelsvarer, inköp varor, varuinköp, goods for resale, "
       "stock, lager, råvarer, råvaror, materialer"),
    _c("subcontract", "4500", "4600", "Subcontractors",
       "fremmedytelse, underentreprenør, underentreprenad, subcontractor, innleid arbeid"),
    _c("rent", "6300", "5010", "Rent of premises",
       "husleie, leie lokaler, kontorleie, lokalhyra, hyra lokal, rent, lease premises, "
       "felleskostnader, fellesutgifter"),
    _c("energy", "6340", "5020", "Electricity and heating",
       "strøm, elektrisitet, kraft, nettleie, fjernvarme, el, elektricitet, värme, "
       "electricity, energy, heating, gas, oppvarming"),
    _c("water_waste", "6320", "5060", "Water, waste and cleaning of premises",
       "renovasjon, avfall, søppel, vann og avløp, sophämtning, avfall, waste, water, "
       "recycling, slamtømming"),
    _c("cleaning", "6360", "5060", "Cleaning",
       "renhold, rengjøring, vaktmester, städning, lokalvård, cleaning, janitor"),
    _c("repairs", "6600", "5170", "Repairs and maintenance",
       "reparasjon, vedlikehold, service, reparation, underhåll, repair, maintenance"),
    _c("equipment", "6540", "5410", "Small equipment and furniture",
       "inventar, møbler, utstyr, verktøy, förbrukningsinventarier, möbler, verktyg, "
       "furniture, tools, equipment"),
    _c("computer", "6550", "5420", "Computer equipment and software",
       "datautstyr, pc, laptop, skjerm, programvare, lisens, software, licence, license, "
       "programvaror, datorer, saas, abonnement programvare, cloud, hosting"),
    _c("office", "6800", "6110", "Office supplies",
       "kontorrekvisita, rekvisita, papir, toner, blekk, kontorsmaterial, office supplies, "
       "stationery, printing paper"),
    _c("print", "6820", "6150", "Printing and publications",
       "trykksaker, trykking, aviser, tidsskrifter, bøker, tryckning, tidningar, böcker, "
       "printing, books, subscriptions"),
    _c("meetings", "6860", "6990", "Meetings, courses and training",
       "kurs, møte, seminar, konferanse, opplæring, utbildning, kurs, konferens, training, "
       "course, conference"),
    _c("telephone", "6900", "6212", "Telephone and mobile",
       "telefon, mobil, mobilabonnement, mobiltelefoni, telefoni, samtaler, mobiltelefon, "
       "telephone, mobile subscription, phone"),
    _c("internet", "6910", "6230", "Internet and data communication",
       "internett, bredbånd, datakommunikasjon, fiber, internet, bredband, datakommunikation"),
    _c("postage", "6940", "6250", "Postage",
       "porto, frimerker, post, pakker, frakt brev, porto, postage, stamps, courier"),
    _c("freight", "6100", "5710", "Freight and transport of goods",
       "frakt, transport, spedisjon, toll, frakter, fraktkostnad, shipping, freight, "
       "delivery charges"),
    _c("fuel", "7000", "5611", "Fuel",
       "drivstoff, bensin, diesel, fuel, drivmedel, lading elbil, charging"),
    _c("vehicle", "7020", "5613", "Vehicle maintenance and leasing",
       "bilreparasjon, verksted, dekk, billeasing, bilvask, bilverkstad, leasing bil, "
       "car service, tyres, vehicle lease"),
    _c("travel", "7140", "5800", "Travel",
       "reise, fly, flybillett, tog, taxi, hotell, overnatting, resa, flyg, tåg, hotel, "
       "travel, flight, train ticket, accommodation"),
    _c("meals", "7350", "6071", "Entertainment and meals",
       "representasjon, bevertning, middag, lunsj, restaurant, representation, måltid, "
       "entertainment, catering, dinner"),
    _c("advertising", "7320", "5910", "Advertising and marketing",
       "reklame, annonse, markedsføring, reklam, annons, marknadsföring, advertising, "
       "marketing, google ads, facebook ads"),
    _c("accounting", "6705", "6530", "Accounting and audit fees",
       "regnskap, regnskapshonorar, revisjon, revisor, bokføring, redovisning, revision, "
       "accounting, audit, bookkeeping"),
    _c("legal", "6720", "6550", "Legal and consultancy fees",
       "advokat, juridisk bistand, konsulent, rådgivning, advokat, konsult, rådgivning, "
       "legal, lawyer, consultancy, consulting"),
    _c("insurance", "7500", "6310", "Insurance",
       "forsikring, forsikringspremie, försäkring, insurance, premium"),
    _c("bank", "7770", "6570", "Bank charges",
       "bankgebyr, gebyr, omkostninger bank, bankavgift, avgifter, bank charges, fees"),
    _c("membership", "7410", "6980", "Memberships and dues",
       "kontingent, medlemskap, medlemsavgift, föreningsavgift, membership, dues"),
    _c("staff", "5900", "7690", "Other staff costs",
       "personalkostnader, velferd, gaver ansatte, personalvård, staff welfare, arbeidsklær, "
       "workwear"),
    _c("hire", "6400", "5220", "Hire of machinery and equipment",
       "leie maskiner, leie utstyr, hyra maskiner, equipment hire, machine rental, kopimaskin"),
)  # fmt: skip
