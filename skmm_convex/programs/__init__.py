"""What is solved: the convex programs, each built once and re-solved through its Parameters.

:mod:`.diagonal_qp` (the paper's QP and its restricted, working-set form), :mod:`.psd_sdp` (the
full-PSD program), :mod:`.face_lp` (the LP over the optimal face: degeneracy test and vertex)
and :mod:`.smallest_c_s` (the smallest certifiable c_s, an LP or an SDP). How they are solved
lives in :mod:`skmm_convex.strategies`.
"""
