"""Digital signatures: the demo PKI, signer keys, appearances (Phụ lục I.3 and II), signing.

PAdES through pyHanko. A result carries two signatures (the leader's, certifying, then the
agency's seal); an electronic copy and an attachment carry the agency's text signature.
"""
