"""Small input files with a known content, written into a test's folder."""

from __future__ import annotations

from pathlib import Path

MEMBERS = """member_id,joined_at,tier,birth_year,home_store,consent_personalization,attr_pets
M1,2023-01-05,gold,1980,S01,true,dog
M2,2024-06-01,basic,,S02,false,
M3,2025-02-10,silver,2001,S01,true,cat
"""

PRODUCTS = """product_id,name,brand,category,price,margin_pct,tags,channels,launched_at,active
P1,Oat Milk 1 l,Havre,Food > Dairy > Milk,19.9,22,organic;vegan,store;web,2022-01-01,true
P2,Pale Ale 33 cl,Bryggeriet,Drinks > Alcohol > Beer,24.5,30,alcohol,store,2023-03-01,true
P3,Rye Bread,Hemma,Food > Bakery > Bread,29,35,private_label,store;web,,true
"""

TRANSACTIONS = """member_id,product_id,timestamp,quantity,amount,channel,store_id,basket_id
M1,P1,2025-03-01T10:00:00,2,39.8,store,S01,B1
M1,P3,2025-03-01T10:00:00,1,29,store,S01,B1
M3,P1,2025-03-02T18:30:00,1,19.9,web,,B2
M1,P1,2025-03-08T10:05:00,1,19.9,store,S01,B3
"""


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name`` and return the path."""
    path = folder / name
    path.write_text(text)
    return path


def write_catalog(folder: Path) -> dict[str, Path]:
    """The three sample files."""
    return {
        "members": write(folder, "members.csv", MEMBERS),
        "products": write(folder, "products.csv", PRODUCTS),
        "transactions": write(folder, "transactions.csv", TRANSACTIONS),
    }
