"""Processing activity of break-the-glass access."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare

BREAK_THE_GLASS = declare(
    ProcessingActivity(
        code="break_the_glass",
        name=_("Noodtoegang tot een dossier (break-the-glass)"),
        purpose=_(
            "In een noodsituatie een dossier inzien buiten de eigen betrokkenheid, met een "
            "vastgelegde reden, tijdelijk, gemarkeerd in het toegangslog en gemeld aan de FG "
            "(CON-05, PRV-08)."
        ),
        legal_basis=_("AVG art. 6 lid 1 sub d (vitaal belang); zwaarwegend belang (CON-05)"),
        data_categories=("ordinary", "family", "behaviour", "absence", "health", "diagnostics"),
        retention=_("5 jaar (toegangslog); de toegang zelf vervalt na enkele uren"),
    )
)
