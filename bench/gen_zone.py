#!/usr/bin/env python3
"""Generate the benchmark zone (about 100,000 records) and a dnsperf query file.

    bench/gen_zone.py --out bench/out [--records 100000] [--queries 200000] [--seed 1]

Writes OUT/bench.example.zone and OUT/queries.txt. The zone holds, per 100k records:
60% A, 15% AAAA, 10% CNAME (to an in-zone A), 10% TXT, 4% MX, 1% wildcards (`*.wN` A).
The query file mixes (by line): 70% hits (A/AAAA/TXT/MX on existing names), 10% NXDOMAIN,
10% wildcard matches, 10% CNAME names asked for A (answered by following the CNAME).
Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

ZONE = "bench.example."


def generate(out: Path, records: int, queries: int, seed: int) -> dict:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    n_a = records * 60 // 100
    n_aaaa = records * 15 // 100
    n_cname = records * 10 // 100
    n_txt = records * 10 // 100
    n_mx = records * 4 // 100
    n_wild = records - n_a - n_aaaa - n_cname - n_txt - n_mx
    zone_path = out / "bench.example.zone"
    with open(zone_path, "w") as z:
        z.write(f"$ORIGIN {ZONE}\n$TTL 300\n")
        z.write("@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 60\n")
        z.write("@ 172800 IN NS ns1\n@ 172800 IN NS ns2\n")
        z.write("ns1 A 192.0.2.53\nns2 A 192.0.2.54\n")
        for i in range(n_a):
            z.write(f"h{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
        for i in range(n_aaaa):
            z.write(f"h{i} AAAA 2001:db8::{i >> 16:x}:{i & 0xffff:x}\n")
        for i in range(n_cname):
            z.write(f"c{i} CNAME h{rng.randrange(n_a)}\n")
        for i in range(n_txt):
            z.write(f't{i} TXT "v=bench{i} {rng.getrandbits(64):016x}"\n')
        for i in range(n_mx):
            z.write(f"m{i} MX 10 h{rng.randrange(n_a)}\n")
        for i in range(n_wild):
            z.write(f"*.w{i} A 192.0.2.{i % 250 + 1}\n")
    total = n_a + n_aaaa + n_cname + n_txt + n_mx + n_wild
    with open(out / "queries.txt", "w") as q:
        for _ in range(queries):
            r = rng.random()
            if r < 0.70:
                k = rng.random()
                if k < 0.6:
                    q.write(f"h{rng.randrange(n_a)}.{ZONE} A\n")
                elif k < 0.8:
                    q.write(f"h{rng.randrange(n_aaaa)}.{ZONE} AAAA\n")
                elif k < 0.95:
                    q.write(f"t{rng.randrange(n_txt)}.{ZONE} TXT\n")
                else:
                    q.write(f"m{rng.randrange(n_mx)}.{ZONE} MX\n")
            elif r < 0.80:
                q.write(f"nx{rng.randrange(10**9)}.{ZONE} A\n")
            elif r < 0.90:
                q.write(f"x{rng.randrange(10**6)}.w{rng.randrange(max(1, n_wild))}.{ZONE} A\n")
            else:
                q.write(f"c{rng.randrange(n_cname)}.{ZONE} A\n")
    return {"zone": zone_path, "queries": out / "queries.txt", "records": total}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    info = generate(a.out, a.records, a.queries, a.seed)
    print(f"{info['zone']}: {info['records']} records; {info['queries']}: {a.queries} queries")


if __name__ == "__main__":
    main()
