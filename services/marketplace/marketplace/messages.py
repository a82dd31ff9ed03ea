"""Texts of the marketplace's refusals and allocation explanations, in ar/fr/en."""

from shared.i18n import register_messages

MESSAGES: dict[str, dict[str, str]] = {
    # Validation of incoming data
    "invalid_register_number": {
        "ar": "رقم التسجيل في السجل الوطني للتعاونيات غير صالح (مثال: AGA-21457 أو 104587).",
        "fr": "Numéro d'immatriculation au registre des coopératives non valide (ex. AGA-21457 ou 104587).",
        "en": "Invalid cooperative register number (e.g. AGA-21457 or 104587).",
    },
    "invalid_phone": {
        "ar": "رقم الهاتف غير صالح (مثال: ‎+212612345678 أو 0612345678).",
        "fr": "Numéro de téléphone non valide (ex. +212612345678 ou 0612345678).",
        "en": "Invalid phone number (e.g. +212612345678 or 0612345678).",
    },
    "invalid_url": {
        "ar": "يجب أن يبدأ الرابط بـ http:// أو https://.",
        "fr": "Le lien doit commencer par http:// ou https://.",
        "en": "The link must start with http:// or https://.",
    },
    "datetime_needs_timezone": {
        "ar": "يجب أن يتضمن التاريخ والوقت المنطقة الزمنية (مثال: ‎2026-05-01T09:00:00+01:00).",
        "fr": "La date et l'heure doivent préciser le fuseau horaire (ex. 2026-05-01T09:00:00+01:00).",
        "en": "The date and time must include a time zone (e.g. 2026-05-01T09:00:00+01:00).",
    },
    "window_order": {
        "ar": "يجب أن يسبق تاريخ فتح باب الترشيح تاريخ إغلاقه.",
        "fr": "L'ouverture des candidatures doit précéder leur clôture.",
        "en": "Applications must open before they close.",
    },
    "duplicate_days": {
        "ar": "أيام الافتتاح مكررة.",
        "fr": "Des jours d'ouverture sont en double.",
        "en": "Some opening days are repeated.",
    },
    "duplicate_stands": {
        "ar": "أرقام الأروقة مكررة.",
        "fr": "Des numéros de stand sont en double.",
        "en": "Some stand numbers are repeated.",
    },
    "duplicate_markets": {
        "ar": "السوق نفسه مذكور أكثر من مرة في الترشيح.",
        "fr": "Le même marché figure plusieurs fois dans la candidature.",
        "en": "The same market appears more than once in the application.",
    },
    "sales_must_be_positive": {
        "ar": "يجب أن يكون مجموع المبيعات موجبا أو صفرا، بفئة واحدة على الأقل.",
        "fr": "Les ventes doivent être positives ou nulles, avec au moins une catégorie.",
        "en": "Sales must be zero or positive, with at least one category.",
    },
    # Cooperatives and invitations
    "cooperative_not_found": {
        "ar": "التعاونية غير موجودة.",
        "fr": "Coopérative introuvable.",
        "en": "Cooperative not found.",
    },
    "register_number_taken": {
        "ar": "رقم التسجيل {register_number} مستعمل من طرف تعاونية أخرى.",
        "fr": "Le numéro d'immatriculation {register_number} appartient déjà à une autre coopérative.",
        "en": "Register number {register_number} already belongs to another cooperative.",
    },
    "not_your_cooperative": {
        "ar": "لا يمكنك الاطلاع على معطيات تعاونية أخرى أو تغييرها.",
        "fr": "Vous ne pouvez ni consulter ni modifier les données d'une autre coopérative.",
        "en": "You cannot read or change another cooperative's data.",
    },
    "exhibitor_without_cooperative": {
        "ar": "حساب العارض هذا غير مرتبط بأي تعاونية.",
        "fr": "Ce compte exposant n'est rattaché à aucune coopérative.",
        "en": "This exhibitor account is not bound to any cooperative.",
    },
    "cooperative_id_required": {
        "ar": "حدد التعاونية المعنية (cooperative_id).",
        "fr": "Indiquez la coopérative concernée (cooperative_id).",
        "en": "State which cooperative this is for (cooperative_id).",
    },
    "field_reserved_to_organizers": {
        "ar": "لا يغير هذا الحقل إلا المنظمون: {field}.",
        "fr": "Seuls les organisateurs peuvent modifier ce champ : {field}.",
        "en": "Only organizers can change this field: {field}.",
    },
    "product_not_found": {
        "ar": "المنتوج غير موجود.",
        "fr": "Produit introuvable.",
        "en": "Product not found.",
    },
    "invitation_invalid": {
        "ar": "رابط الدعوة غير صالح.",
        "fr": "Ce lien d'invitation n'est pas valide.",
        "en": "This invitation link is not valid.",
    },
    "invitation_used": {
        "ar": "سبق استعمال رابط الدعوة هذا. اطلب دعوة جديدة من المنظمين.",
        "fr": "Ce lien d'invitation a déjà servi. Demandez-en un nouveau aux organisateurs.",
        "en": "This invitation link has already been used. Ask the organizers for a new one.",
    },
    "invitation_expired": {
        "ar": "انتهت صلاحية رابط الدعوة. اطلب دعوة جديدة من المنظمين.",
        "fr": "Ce lien d'invitation a expiré. Demandez-en un nouveau aux organisateurs.",
        "en": "This invitation link has expired. Ask the organizers for a new one.",
    },
    "invitations_unavailable": {
        "ar": "الدعوات غير متاحة حاليا على هذه المنصة.",
        "fr": "Les invitations ne sont pas disponibles pour le moment sur cette plateforme.",
        "en": "Invitations are not available on this platform right now.",
    },
    # The invitation mailed to a cooperative's contact address
    "mail_cooperative_invitation_subject": {
        "ar": "دعوة {cooperative} إلى فضاء العارضين على منصة تضامن",
        "fr": "Invitation de {cooperative} à l'espace exposant de Tadamon",
        "en": "Invitation for {cooperative} to the Tadamon exhibitor space",
    },
    "mail_cooperative_invitation_body": {
        "ar": "السلام عليكم،\n\nيدعو منظمو الأسواق على منصة تضامن {cooperative} إلى فضاء العارضين، حيث "
              "تقدمون ترشيحاتكم للأسواق وتتابعون أروقتكم ومبيعاتكم. افتحوا هذا الرابط ثم اضغطوا على "
              "«قبول الدعوة والدخول» (صالح لمرة واحدة، حتى {expires}):\n\n{link}\n\n"
              "إذا لم تكونوا تنتظرون هذه الدعوة، تجاهلوا هذه الرسالة.",
        "fr": "Bonjour,\n\nLes organisateurs des marchés de Tadamon invitent {cooperative} dans l'espace "
              "exposant, où vous candidatez aux marchés et suivez vos stands et vos ventes. Ouvrez ce lien puis "
              "cliquez sur « Accepter et entrer » (valable une seule fois, jusqu'au {expires}) :\n\n{link}\n\n"
              "Si vous n'attendiez pas cette invitation, ignorez ce message.",
        "en": "Hello,\n\nThe market organizers on Tadamon invite {cooperative} to the exhibitor space, where you "
              "apply to markets and follow your stands and sales. Open this link, then press \"Accept and "
              "enter\" (valid once, until {expires}):\n\n{link}\n\n"
              "If you were not expecting this invitation, ignore this message.",
    },
    # Markets and applications
    "market_not_found": {
        "ar": "السوق غير موجود.",
        "fr": "Marché introuvable.",
        "en": "Market not found.",
    },
    "application_not_found": {
        "ar": "الترشيح غير موجود.",
        "fr": "Candidature introuvable.",
        "en": "Application not found.",
    },
    "applications_closed": {
        "ar": "باب الترشيح للسوق {market_id} غير مفتوح حاليا.",
        "fr": "Les candidatures au marché {market_id} ne sont pas ouvertes en ce moment.",
        "en": "Applications to market {market_id} are not open right now.",
    },
    "already_applied": {
        "ar": "سبق لهذه التعاونية الترشح للسوق {market_id}.",
        "fr": "Cette coopérative a déjà candidaté au marché {market_id}.",
        "en": "This cooperative has already applied to market {market_id}.",
    },
    "application_not_pending": {
        "ar": "لا يمكن القيام بهذه العملية على ترشيح في وضعية «{state}».",
        "fr": "Opération impossible sur une candidature au statut « {state} ».",
        "en": "This cannot be done to an application whose status is \"{state}\".",
    },
    "stand_unknown": {
        "ar": "الرواق رقم {stand} غير موجود في هذا السوق.",
        "fr": "Le stand n° {stand} n'existe pas dans ce marché.",
        "en": "Stand {stand} does not exist in this market.",
    },
    "stand_taken": {
        "ar": "الرواق رقم {stand} مسند لتعاونية أخرى.",
        "fr": "Le stand n° {stand} est déjà attribué à une autre coopérative.",
        "en": "Stand {stand} is already assigned to another cooperative.",
    },
    "stand_rules_refused": {
        "ar": "قواعد الانتقاء لا تسمح بإسناد رواق لهذا الترشيح الآن. حدد رقم رواق لتجاوزها يدويا.",
        "fr": "Les règles de sélection ne permettent pas d'attribuer un stand maintenant. "
              "Indiquez un numéro de stand pour passer outre manuellement.",
        "en": "The selection rules do not allow a stand for this application now. "
              "Give a stand number to override them manually.",
    },
    # Allocation explanations (stored per decision, rendered in the reader's language)
    "alloc_reserved_share": {
        "ar": "الرواق {stand}: من الحصة المخصصة للتعاونيات النسائية أو الشبابية ({reserved} أروقة)، الرتبة {rank}.",
        "fr": "Stand {stand} : part réservée aux coopératives dirigées par des femmes ou des jeunes "
              "({reserved} stands), rang {rank}.",
        "en": "Stand {stand}: from the share reserved for women-led or youth-led cooperatives "
              "({reserved} stands), rank {rank}.",
    },
    "alloc_ranked": {
        "ar": "الرواق {stand}: الرتبة {rank} حسب الأولوية (الأقل مشاركة مؤخرا أولا، ثم تاريخ الترشيح).",
        "fr": "Stand {stand} : rang {rank} selon la priorité (participation la moins récente d'abord, "
              "puis date de candidature).",
        "en": "Stand {stand}: rank {rank} by priority (least recent participation first, then application date).",
    },
    "alloc_region_quota_full": {
        "ar": "في لائحة الانتظار: بلغت حصة جهة {region} ({quota} أروقة).",
        "fr": "En liste d'attente : le quota de la région {region} ({quota} stands) est atteint.",
        "en": "Waitlisted: the quota for region {region} ({quota} stands) is reached.",
    },
    "alloc_sector_quota_full": {
        "ar": "في لائحة الانتظار: بلغت حصة قطاع {sector} ({quota} أروقة).",
        "fr": "En liste d'attente : le quota du secteur {sector} ({quota} stands) est atteint.",
        "en": "Waitlisted: the quota for sector {sector} ({quota} stands) is reached.",
    },
    "alloc_stands_reserved": {
        "ar": "في لائحة الانتظار: الأروقة المتبقية مخصصة للتعاونيات النسائية أو الشبابية إلى حين إغلاق باب الترشيح.",
        "fr": "En liste d'attente : les stands restants sont réservés aux coopératives dirigées par des femmes "
              "ou des jeunes jusqu'à la clôture des candidatures.",
        "en": "Waitlisted: the remaining stands are reserved for women-led or youth-led cooperatives "
              "until applications close.",
    },
    "alloc_no_stand_left": {
        "ar": "في لائحة الانتظار: لم يبق أي رواق شاغر (الرتبة {rank}).",
        "fr": "En liste d'attente : plus aucun stand libre (rang {rank}).",
        "en": "Waitlisted: no stand left (rank {rank}).",
    },
    "alloc_promoted": {
        "ar": "الرواق {stand}: أسند من لائحة الانتظار بعد انسحاب عارض (الرتبة {rank}).",
        "fr": "Stand {stand} : attribué depuis la liste d'attente après un désistement (rang {rank}).",
        "en": "Stand {stand}: given from the waitlist after a withdrawal (rank {rank}).",
    },
    "alloc_manual": {
        "ar": "الرواق {stand}: إسناد يدوي من طرف المنظم {by}. {note}",
        "fr": "Stand {stand} : attribution manuelle par l'organisateur {by}. {note}",
        "en": "Stand {stand}: assigned manually by organizer {by}. {note}",
    },
    "alloc_manual_waitlist": {
        "ar": "وضع في لائحة الانتظار من طرف المنظم {by}.",
        "fr": "Placée en liste d'attente par l'organisateur {by}.",
        "en": "Waitlisted by organizer {by}.",
    },
    # Passes and check-in
    "pass_not_available": {
        "ar": "لا تتوفر شارة العارض إلا لترشيح مقبول له رواق.",
        "fr": "Le badge exposant n'existe que pour une candidature acceptée avec un stand.",
        "en": "An exhibitor pass exists only for an accepted application with a stand.",
    },
    "invalid_pass": {
        "ar": "شارة مزورة أو غير مقروءة.",
        "fr": "Badge falsifié ou illisible.",
        "en": "Forged or unreadable pass.",
    },
    "pass_other_market": {
        "ar": "هذه الشارة خاصة بسوق آخر.",
        "fr": "Ce badge est celui d'un autre marché.",
        "en": "This pass belongs to another market.",
    },
    "scan_in_future": {
        "ar": "وقت المسح لا يمكن أن يكون في المستقبل.",
        "fr": "L'heure du scan ne peut pas être dans le futur.",
        "en": "The scan time cannot be in the future.",
    },
    "not_an_opening_day": {
        "ar": "يوم {day} ليس من أيام افتتاح هذا السوق.",
        "fr": "Le {day} n'est pas un jour d'ouverture de ce marché.",
        "en": "{day} is not an opening day of this market.",
    },
    "pass_revoked": {
        "ar": "هذه الشارة ملغاة (انسحاب أو تغيير الرواق).",
        "fr": "Ce badge est révoqué (désistement ou changement de stand).",
        "en": "This pass has been revoked (withdrawal or stand change).",
    },
    "pass_refused_at_gate": {
        "ar": "رفض جهاز المدخل هذه الشارة دون اتصال؛ لم يسجل أي حضور.",
        "fr": "Le poste d'entrée a refusé ce badge hors ligne ; aucune présence n'est enregistrée.",
        "en": "The gate device refused this pass offline; no attendance was recorded.",
    },
    "exhibitor_already_checked_in": {
        "ar": "سبق تسجيل حضور هذا العارض يوم {day} على الساعة {time}.",
        "fr": "Exposant déjà enregistré le {day} à {time}.",
        "en": "Exhibitor already checked in on {day} at {time}.",
    },
    "nonce_reused": {
        "ar": "سبق استعمال هذا المعرف (nonce) لمسح آخر من الجهاز نفسه.",
        "fr": "Cet identifiant (nonce) a déjà servi pour un autre scan du même appareil.",
        "en": "This nonce was already used for another scan from the same device.",
    },
    # Sales
    "no_stand_at_market": {
        "ar": "لا تتوفر هذه التعاونية على رواق في هذا السوق.",
        "fr": "Cette coopérative n'a pas de stand dans ce marché.",
        "en": "This cooperative has no stand at this market.",
    },
    "sales_day_in_future": {
        "ar": "لا يمكن التصريح بمبيعات يوم لم يأت بعد ({day}).",
        "fr": "Impossible de déclarer les ventes d'un jour à venir ({day}).",
        "en": "Sales cannot be declared for a day still to come ({day}).",
    },
    # Importing cooperatives, and the files of a market
    "coop_import_refused": {
        "ar": "لم يُستورد أي سطر: {count} خطأ في الملف، مبين أدناه حسب السطر.",
        "fr": "Aucune ligne importée : {count} erreur(s) dans le fichier, détaillée(s) ligne par ligne.",
        "en": "Nothing was imported: {count} fault(s) in the file, listed row by row.",
    },
    "coop_import_bad_flag": {
        "ar": "القيمة «{value}» غير مفهومة: اكتبوا نعم أو لا.",
        "fr": "Valeur « {value} » incomprise : écrivez oui ou non.",
        "en": "Value \"{value}\" not understood: write yes or no.",
    },
    "coop_import_duplicate_row": {
        "ar": "رقم التسجيل هذا موجود أيضا في السطر {other}.",
        "fr": "Ce numéro d'immatriculation figure déjà à la ligne {other}.",
        "en": "This register number is also on row {other}.",
    },
    "market_no_passes": {
        "ar": "لا توجد بعد أي بطاقة عارض في هذا السوق: وزعوا الأروقة أولا.",
        "fr": "Ce marché n'a encore aucun badge exposant : attribuez d'abord les stands.",
        "en": "This market has no exhibitor pass yet: allocate the stands first.",
    },
    "export_day": {"ar": "اليوم", "fr": "jour", "en": "day"},
    "export_expected": {"ar": "المنتظرون", "fr": "attendus", "en": "expected"},
    "export_checked_in": {"ar": "الحاضرون", "fr": "présents", "en": "checked_in"},
    "export_no_shows": {"ar": "الغائبون", "fr": "absents", "en": "no_shows"},
    "export_category": {"ar": "الفئة", "fr": "catégorie", "en": "category"},
    "export_cooperatives": {"ar": "التعاونيات", "fr": "coopératives", "en": "cooperatives"},
    "export_amount_mad": {"ar": "المبلغ بالدرهم", "fr": "montant_mad", "en": "amount_mad"},
    "export_amount_text": {"ar": "المبلغ", "fr": "montant", "en": "amount"},
}

register_messages(MESSAGES)
