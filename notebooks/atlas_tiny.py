"""atlas-tiny (placeholder until the atlas lands): prints the environment snapshot.

Run: python notebooks/atlas_tiny.py [-- --smoke] [--out DIR]
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import json

    import marimo as mo

    from perflab.harness import env_snapshot

    args = mo.cli_args()
    snap = env_snapshot()
    print(json.dumps(snap, indent=2))
    mo.md("```json\n" + json.dumps(snap, indent=2) + "\n```")
    return


if __name__ == "__main__":
    app.run()
