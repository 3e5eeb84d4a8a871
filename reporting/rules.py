"""Who may read the fund's evaluation (the report page, its charts and exports).

No object: the report covers a whole programme and holds counts and sums only (no personal
data, no review text, no reviewer's name).
"""

import rules

from funding.rules import is_board, is_coordinator

rules.add_perm("reporting.view_report", is_coordinator | is_board)
