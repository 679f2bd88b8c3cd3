"""Sequences waiting above a source's watermark: one bitmask per source, not a row each.

A source's events arrive interleaved across partitions, so thousands of sequences can
wait above the watermark at once; a row for each was written, read back and deleted on
every batch, which cost more than the timeline entries themselves. The rows are folded
into the bitmask (bit ``i``: sequence ``watermark + 1 + i`` has arrived).

Revision ID: 0007
Revises: 0006
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
#: As townhall.resident_view.progress.SPAN when this revision was written: a sequence
#: this far or further above the watermark is not remembered (it stays counted in
#: max_seen, so the gap shows).
SPAN = 1 << 20


def upgrade() -> None:
    with op.batch_alter_table("source_progress") as batch:
        batch.add_column(sa.Column("pending", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    waiting: dict[tuple[int, str], list[int]] = defaultdict(list)
    rows = connection.execute(sa.text("SELECT generation, source, sequence FROM source_pending"))
    for generation, source, sequence in rows:
        waiting[(generation, source)].append(sequence)
    for (generation, source), sequences in waiting.items():
        where = "WHERE generation = :generation AND source = :source"
        key = {"generation": generation, "source": source}
        watermark = connection.execute(
            sa.text(f"SELECT watermark FROM source_progress {where}"), key
        ).scalar_one()
        bits = 0
        for sequence in sequences:
            if 0 <= sequence - watermark - 1 < SPAN:
                bits |= 1 << (sequence - watermark - 1)
        connection.execute(
            sa.text(f"UPDATE source_progress SET pending = :pending {where}"),
            {"pending": format(bits, "x") if bits else "", **key},
        )
    op.drop_table("source_pending")


def downgrade() -> None:
    op.create_table(
        "source_pending",
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("generation", "source", "sequence"),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT generation, source, watermark, pending FROM source_progress")
    ).all()
    for generation, source, watermark, pending in rows:
        bits = int(pending, 16) if pending else 0
        sequences = [watermark + 1 + i for i in range(bits.bit_length()) if bits >> i & 1]
        if sequences:
            connection.execute(
                sa.text(
                    "INSERT INTO source_pending (generation, source, sequence) "
                    "VALUES (:generation, :source, :sequence)"
                ),
                [{"generation": generation, "source": source, "sequence": s} for s in sequences],
            )
    with op.batch_alter_table("source_progress") as batch:
        batch.drop_column("pending")
