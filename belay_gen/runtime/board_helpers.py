"""Board functions behind Belay's extras: timed results (``return_time``), results read
with ``eval`` (``trusted``), proxies and generators driven one step at a time.

They cost nothing until used: the first call that needs them defines them (one round trip,
once per connection). Plain task calls never use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from belay_gen.errors import PyboardException
from belay_gen.runtime.session import Session

#: Marks the helpers as defined on the board in ``RawRepl.defined`` (cleared by a reset).
_KEY = "belay-gen extras"

# __belay_ev(f, t, s): f's value; its repr when s (trusted: the host evals it); with t, the
#   pair (board ms at the middle of the evaluation, value).
# __belay_st(f, t, s): (0, __belay_ev(...)) for one generator step, (1, None) when it ended.
# __belay_gs(g, t, s): a generator's values as Y frames, each timed or repr'd as above, then
#   an R frame for its end (as generator.py's _belayG, one value per frame).
# __belay_i(v): (1, v) for an immutable value (None, bool, int, float, str, bytes), else (0, None).
# __belay_l(v): v, a dict view made a list (Belay reads dict_keys(...) back as a list).
# __belay_p(v): (None, v) for an immutable value, else (n, None) with v kept as _belay_o<n>.
# The tick functions are MicroPython's; CircuitPython has supervisor.ticks_ms (2**29 period).
HELPERS = """\
def __belay_ev(f,t,s):
 a=__belay_ms() if t else 0
 v=f()
 if s:v=repr(v)
 if t:v=(__belay_tadd(a,__belay_tdiff(__belay_ms(),a)//2),v)
 return v
def __belay_st(f,t,s):
 try:return (0,__belay_ev(f,t,s))
 except StopIteration:return (1,None)
def __belay_gs(g,t,s):
 for v in g:
  if s:v=repr(v)
  _belay((__belay_ms(),v) if t else v,"\\x1f")
 _belay(None)
__belay_n=0
def __belay_i(v):
 return (1,v) if v is None or isinstance(v,(int,float,str,bool,bytes)) else (0,None)
def __belay_l(v):
 return list(v) if type(v).__name__ in ('dict_view','dict_keys','dict_values','dict_items') else v
def __belay_p(v):
 global __belay_n
 if __belay_i(v)[0]:return (None,v)
 __belay_n+=1
 globals()['_belay_o%d'%__belay_n]=v
 return (__belay_n,None)
try:
 from time import ticks_ms as __belay_ms,ticks_add as __belay_tadd,ticks_diff as __belay_tdiff
except ImportError:
 from supervisor import ticks_ms as __belay_ms
 def __belay_tadd(a,d):return (a+d)&0x1FFFFFFF
 def __belay_tdiff(a,b):return (((a-b)&0x1FFFFFFF)+0x10000000&0x1FFFFFFF)-0x10000000
"""

#: The name a kept proxy value has on the board.
PROXY_NAME = "_belay_o{}"


def run_with_helpers(session: Session, code: str, **options: Any) -> Any:
    """``session.run(code, **options)``, the helpers defined first (in a round trip of their
    own, so the code's line numbers stay its own) when this connection lacks them."""
    with session.lock, helper_frames_hidden():
        if _KEY not in session.repl.defined:
            session.run(HELPERS, idempotent=True)  # definitions only: safe to send again
            session.repl.defined.add(_KEY)
        return session.run(code, **options)


_HELPER_FRAME = re.compile(r'^\s*File "<stdin>", line \d+, in (__belay_\w+|<lambda>)\s*$')


def _without_helper_frames(text: str) -> str:
    lines, kept = text.split("\n"), list[str]()
    for line in lines:
        match = _HELPER_FRAME.match(line)
        # A helper's frame goes, and so does the lambda it called (the user's code is next).
        if match and (match.group(1) != "<lambda>" or (kept and kept[-1] is _HIDDEN)):
            kept.append(_HIDDEN)
        else:
            kept.append(line)
    return "\n".join(line for line in kept if line is not _HIDDEN)


_HIDDEN = "\0hidden"


@contextmanager
def helper_frames_hidden() -> Iterator[None]:
    """Board exceptions raised inside leave out the frames of belay-gen's board helpers, so a
    message shows the user's frames only."""
    try:
        yield
    except PyboardException as exc:
        exc.args = tuple(_without_helper_frames(a) if isinstance(a, str) else a for a in exc.args)
        exc.board_traceback = _without_helper_frames(exc.board_traceback)
        raise
