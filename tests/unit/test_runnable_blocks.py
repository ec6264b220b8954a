"""Runnable blocks are found exactly where the marker is, and a failing command fails its block."""

from __future__ import annotations

from pathlib import Path

from tests.runnable_docs import GUIDES, Block, run_block, runnable_blocks

SAMPLE = """# Guide

```sh
stockdata migrate downgrade --yes base   # shown, never run
```

```sh runnable
stockdata migrate upgrade   # first
stockdata migrate revision -m "fix #3"
```

- In a list:

  ```sh runnable
  stockdata migrate current
  ```

~~~sh runnable
echo "a fence inside: ```"
~~~

```python
print("not shell")
```
"""


def test_only_blocks_marked_sh_runnable_are_found_with_their_line(tmp_path: Path) -> None:
    guide = tmp_path / "guide.md"
    guide.write_text(SAMPLE)

    blocks = runnable_blocks(guide)

    assert [block.source.rsplit(":", 1)[1] for block in blocks] == ["7", "14", "18"]
    assert blocks[0].text == 'stockdata migrate upgrade   # first\nstockdata migrate revision -m "fix #3"\n'
    assert blocks[1].text == "stockdata migrate current\n"
    assert blocks[2].text == 'echo "a fence inside: ```"\n'


def test_commands_leave_comments_out_but_keep_quoted_hashes() -> None:
    block = Block("x.md:1", 'stockdata migrate upgrade   # コメント\n\nstockdata migrate revision -m "fix #3"\n')

    assert block.commands() == [
        ["stockdata", "migrate", "upgrade"],
        ["stockdata", "migrate", "revision", "-m", "fix #3"],
    ]


def test_a_failing_command_fails_the_block_and_stops_it(tmp_path: Path) -> None:
    result = run_block(Block("x.md:1", "false\necho after\n"), database_url="sqlite:///unused.db", workspace=tmp_path)

    assert result.returncode != 0
    assert "after" not in result.stdout


def test_both_guides_have_runnable_blocks_with_the_same_commands() -> None:
    japanese, english = (runnable_blocks(guide) for guide in GUIDES)

    assert japanese, "the guide has no runnable block"
    assert [block.commands() for block in japanese] == [block.commands() for block in english]
