"""Brand-fit rules: the marketers' rules that every selection and offer keeps.

``schema`` validates rules, ``store`` keeps drafts and published rule sets, ``compile`` turns a
rule set into masks over the catalogue and ``curate`` applies them to a block of scores.
"""
