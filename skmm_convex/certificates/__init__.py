"""What certifies an answer, computed from the weights ``s`` and the moments alone.

:mod:`.diagonal` (the paper's QP: certified c_s, the reduced objective, its gradient and
Frank-Wolfe gap), :mod:`.loewner` (the theorem's Loewner condition and the full-PSD program's
objective and gap), :mod:`.capped_simplex` (the one projection onto
``{0 <= s <= 1/n, sum(s) = 1}`` and the linear minimum over it) and :mod:`.solution` (the
certified :class:`~skmm_convex.results.MomentMatchingSolution`). Any solver's answer can be
checked with them.
"""
