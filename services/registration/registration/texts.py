"""Error and notification texts of the registration service, in Arabic, French and English."""

from shared.i18n import register_messages

ERRORS = {
    "job_kind_registration.badges": {"ar": "طباعة الشارات", "fr": "Impression des badges", "en": "Badge printing"},
    "job_kind_registration.message": {"ar": "رسالة إلى المشاركين", "fr": "Message aux participants",
                                      "en": "Message to participants"},
    "job_kind_registration.import": {"ar": "استيراد المدعوين", "fr": "Import d'invités", "en": "Invitees import"},
    "job_summary_rows_read": {"ar": "الأسطر المقروءة", "fr": "Lignes lues", "en": "Rows read"},
    "job_summary_imported": {"ar": "مدعوون مسجلون ومؤكدون", "fr": "Invités inscrits et confirmés",
                             "en": "Invitees registered and confirmed"},
    "job_summary_import_row": {"ar": "السطر", "fr": "Ligne", "en": "Row"},
    "job_summary_import_field": {"ar": "الحقل", "fr": "Champ", "en": "Field"},
    "job_summary_import_problem": {"ar": "المشكلة", "fr": "Problème", "en": "Problem"},
    "console_back_to_conference": {"ar": "العودة إلى تسجيلات المؤتمر", "fr": "Retour aux inscriptions de la conférence",
                                   "en": "Back to the conference's registrations"},
    "job_summary_queued": {"ar": "رسائل في طابور الإرسال", "fr": "Messages mis en file d'envoi",
                           "en": "Messages queued for sending"},
    "message_language_missing": {
        "ar": "بعض المستلمين يقرؤون بلغة لم يُكتب بها الموضوع والنص: {languages}.",
        "fr": "Des destinataires lisent une langue sans objet ni texte rédigés : {languages}.",
        "en": "Some recipients read a language with no subject and body written: {languages}.",
    },
    "conference_not_found": {
        "ar": "هذا الملتقى غير موجود.",
        "fr": "Cette conférence est introuvable.",
        "en": "This conference does not exist.",
    },
    "conference_exists": {
        "ar": "يوجد ملتقى بهذا المعرف من قبل.",
        "fr": "Une conférence porte déjà cet identifiant.",
        "en": "A conference with this id already exists.",
    },
    "registration_not_found": {
        "ar": "هذا التسجيل غير موجود.",
        "fr": "Cette inscription est introuvable.",
        "en": "This registration does not exist.",
    },
    "already_registered": {
        "ar": "هذا البريد الإلكتروني مسجل من قبل في هذا الملتقى.",
        "fr": "Cette adresse e-mail est déjà inscrite à cette conférence.",
        "en": "This e-mail address is already registered for this conference.",
    },
    "registration_not_open": {
        "ar": "لم يفتح باب التسجيل بعد في هذا الملتقى.",
        "fr": "Les inscriptions à cette conférence ne sont pas encore ouvertes.",
        "en": "Registration for this conference is not open yet.",
    },
    "registration_closed": {
        "ar": "باب التسجيل في هذا الملتقى مغلق.",
        "fr": "Les inscriptions à cette conférence sont closes.",
        "en": "Registration for this conference is closed.",
    },
    "invalid_manage_token": {
        "ar": "رابط تدبير التسجيل غير صالح أو لم يعد صالحا.",
        "fr": "Le lien de gestion de l'inscription est invalide ou n'est plus valable.",
        "en": "The registration management link is invalid or no longer valid.",
    },
    "invalid_qr": {
        "ar": "رمز QR غير صالح: لم يصدر عن هذه المنصة أو تم تغييره.",
        "fr": "QR code invalide : il n'a pas été émis par la plateforme ou a été modifié.",
        "en": "Invalid QR code: it was not issued by the platform or has been altered.",
    },
    "qr_other_conference": {
        "ar": "هذه الشارة خاصة بملتقى آخر.",
        "fr": "Ce badge appartient à une autre conférence.",
        "en": "This badge belongs to another conference.",
    },
    "checkin_refused_cancelled": {
        "ar": "الدخول مرفوض: تم إلغاء هذا التسجيل.",
        "fr": "Entrée refusée : cette inscription a été annulée.",
        "en": "Entry refused: this registration was cancelled.",
    },
    "checkin_refused_waitlisted": {
        "ar": "الدخول مرفوض: هذا المشارك في لائحة الانتظار.",
        "fr": "Entrée refusée : ce participant est sur liste d'attente.",
        "en": "Entry refused: this participant is on the waiting list.",
    },
    "checkin_refused_pending": {
        "ar": "الدخول مرفوض: هذا التسجيل في انتظار الموافقة.",
        "fr": "Entrée refusée : cette inscription attend une validation.",
        "en": "Entry refused: this registration is awaiting approval.",
    },
    "checkin_refused_rejected": {
        "ar": "الدخول مرفوض: تم رفض هذا التسجيل.",
        "fr": "Entrée refusée : cette inscription a été refusée.",
        "en": "Entry refused: this registration was rejected.",
    },
    "checked_in": {
        "ar": "تم تسجيل الحضور. مرحبا!",
        "fr": "Présence enregistrée. Bienvenue !",
        "en": "Checked in. Welcome!",
    },
    "already_checked_in": {
        "ar": "سبق تسجيل حضور هذا المشارك في {at}.",
        "fr": "Ce participant a déjà été enregistré le {at}.",
        "en": "This participant was already checked in on {at}.",
    },
    "badge_refused_at_gate": {
        "ar": "رفض جهاز المدخل هذا الرمز دون اتصال؛ لم يسجل أي دخول.",
        "fr": "Le poste d'entrée a refusé ce code hors ligne ; aucune entrée n'est enregistrée.",
        "en": "The gate device refused this code offline; no entry was recorded.",
    },
    "checkin_refused_erased": {
        "ar": "الدخول مرفوض: تم محو البيانات الشخصية لهذا التسجيل.",
        "fr": "Entrée refusée : les données personnelles de cette inscription ont été effacées.",
        "en": "Entry refused: the personal data of this registration has been erased.",
    },
    "scan_outside_conference_days": {
        "ar": "وقت المسح خارج أيام هذا المؤتمر.",
        "fr": "L'heure du scan est en dehors des jours de cette conférence.",
        "en": "The scan time is outside the days of this conference.",
    },
    "scan_in_future": {
        "ar": "وقت المسح لا يمكن أن يكون في المستقبل.",
        "fr": "L'heure du scan ne peut pas être dans le futur.",
        "en": "The scan time cannot be in the future.",
    },
    "not_pending": {
        "ar": "لا يمكن قبول أو رفض إلا تسجيل في انتظار الموافقة.",
        "fr": "Seule une inscription en attente de validation peut être validée ou refusée.",
        "en": "Only a registration awaiting approval can be approved or rejected.",
    },
    "not_waitlisted": {
        "ar": "هذا التسجيل ليس في لائحة الانتظار.",
        "fr": "Cette inscription n'est pas sur liste d'attente.",
        "en": "This registration is not on the waiting list.",
    },
    "capacity_reached": {
        "ar": "لم تعد هناك مقاعد شاغرة في هذا الملتقى أو في هذه الفئة.",
        "fr": "Il n'y a plus de place dans cette conférence ou dans cette catégorie.",
        "en": "There are no seats left in this conference or in this category.",
    },
    "already_cancelled": {
        "ar": "هذا التسجيل ملغى من قبل أو مرفوض.",
        "fr": "Cette inscription est déjà annulée ou refusée.",
        "en": "This registration is already cancelled or rejected.",
    },
    "badge_not_available": {
        "ar": "الشارة متاحة فقط للتسجيلات المؤكدة.",
        "fr": "Le badge n'est disponible que pour les inscriptions confirmées.",
        "en": "The badge is available only for confirmed registrations.",
    },
    "capacity_below_taken": {
        "ar": "لا يمكن أن تقل الطاقة الاستيعابية عن عدد المقاعد المحجوزة ({taken}).",
        "fr": "La capacité ne peut pas être inférieure aux places déjà attribuées ({taken}).",
        "en": "The capacity cannot be lower than the seats already taken ({taken}).",
    },
    "quota_below_taken": {
        "ar": "لا يمكن أن تقل حصة الفئة {category} عن المقاعد المحجوزة ({taken}).",
        "fr": "Le quota de la catégorie {category} ne peut pas être inférieur aux places attribuées ({taken}).",
        "en": "The quota of category {category} cannot be lower than the seats already taken ({taken}).",
    },
    "registration_erased": {
        "ar": "تم محو المعطيات الشخصية لهذا التسجيل.",
        "fr": "Les données personnelles de cette inscription ont été effacées.",
        "en": "The personal data of this registration has been erased.",
    },
    "field_device_reserved": {
        "ar": "هذا الاسم محجوز لتسجيل الحضور اليدوي.",
        "fr": "Ce nom est réservé aux arrivées enregistrées à la main.",
        "en": "This name is kept for check-ins by hand.",
    },
    "field_bad_phone": {
        "ar": "رقم الهاتف غير صالح (مثال: 0612345678 أو ‎+212612345678).",
        "fr": "Numéro de téléphone non valide (ex. 0612345678 ou +212612345678).",
        "en": "Invalid phone number (e.g. 0612345678 or +212612345678).",
    },
    "consent_required": {
        "ar": "يجب الموافقة صراحة على معالجة المعطيات الشخصية (القانون 09-08).",
        "fr": "Le consentement explicite au traitement des données personnelles est requis (loi 09-08).",
        "en": "Explicit consent to the processing of personal data is required (law 09-08).",
    },
    "dates_out_of_order": {
        "ar": "تاريخ النهاية يجب أن يلي تاريخ البداية.",
        "fr": "La date de fin doit suivre la date de début.",
        "en": "The end date must come after the start date.",
    },
    "field_bad_slug": {
        "ar": "المعرف يقبل الحروف اللاتينية الصغيرة والأرقام والشرطات فقط.",
        "fr": "L'identifiant n'admet que des minuscules latines, des chiffres et des tirets.",
        "en": "The id accepts only lowercase Latin letters, digits and hyphens.",
    },
}

# Mails: {name}, {conference}, {number}, {link}, {dates}, {venue} are filled in.
MAILS = {
    "mail_confirmed_subject": {
        "ar": "تأكيد تسجيلكم: {conference}",
        "fr": "Confirmation de votre inscription : {conference}",
        "en": "Your registration is confirmed: {conference}",
    },
    "mail_confirmed_body": {
        "ar": "السيد(ة) {name}،\n\nنؤكد تسجيلكم في {conference} ({dates}، {venue}). رقم تسجيلكم: {number}.\n"
              "تجدون شارتكم مرفقة: المرجو تقديم رمز QR عند الدخول.\n\nلتدبير تسجيلكم: {link}\n",
        "fr": "Bonjour {name},\n\nVotre inscription à {conference} ({dates}, {venue}) est confirmée. "
              "Numéro d'inscription : {number}.\nVotre badge est joint : présentez son QR code à l'entrée.\n\n"
              "Gérer votre inscription : {link}\n",
        "en": "Dear {name},\n\nYour registration for {conference} ({dates}, {venue}) is confirmed. "
              "Registration number: {number}.\nYour badge is attached: show its QR code at the entrance.\n\n"
              "Manage your registration: {link}\n",
    },
    "mail_waitlisted_subject": {
        "ar": "أنتم في لائحة الانتظار: {conference}",
        "fr": "Vous êtes sur liste d'attente : {conference}",
        "en": "You are on the waiting list: {conference}",
    },
    "mail_waitlisted_body": {
        "ar": "السيد(ة) {name}،\n\nاكتمل عدد المقاعد المتاحة في {conference}، وقد أدرجنا اسمكم في لائحة الانتظار "
              "(رقم التسجيل {number}). سنراسلكم فور تحرر مقعد.\n\nلتدبير تسجيلكم: {link}\n",
        "fr": "Bonjour {name},\n\n{conference} est complet pour le moment : vous êtes sur liste d'attente "
              "(inscription n° {number}). Nous vous écrirons dès qu'une place se libère.\n\n"
              "Gérer votre inscription : {link}\n",
        "en": "Dear {name},\n\n{conference} is full for now: you are on the waiting list "
              "(registration no. {number}). We will write as soon as a seat frees up.\n\n"
              "Manage your registration: {link}\n",
    },
    "mail_promoted_subject": {
        "ar": "تحرر مقعد لكم: {conference}",
        "fr": "Une place s'est libérée pour vous : {conference}",
        "en": "A seat is now yours: {conference}",
    },
    "mail_promoted_body": {
        "ar": "السيد(ة) {name}،\n\nتحرر مقعد في {conference} ({dates}، {venue}) وانتقل تسجيلكم رقم {number} "
              "من لائحة الانتظار. تجدون شارتكم مرفقة إن كان تسجيلكم مؤكدا.\n\nلتدبير تسجيلكم: {link}\n",
        "fr": "Bonjour {name},\n\nUne place s'est libérée à {conference} ({dates}, {venue}) : votre inscription "
              "n° {number} quitte la liste d'attente. Votre badge est joint si l'inscription est confirmée.\n\n"
              "Gérer votre inscription : {link}\n",
        "en": "Dear {name},\n\nA seat freed up at {conference} ({dates}, {venue}): your registration "
              "no. {number} has left the waiting list. Your badge is attached if it is confirmed.\n\n"
              "Manage your registration: {link}\n",
    },
    "mail_pending_subject": {
        "ar": "توصلنا بطلب تسجيلكم: {conference}",
        "fr": "Nous avons reçu votre demande d'inscription : {conference}",
        "en": "We have received your registration request: {conference}",
    },
    "mail_pending_body": {
        "ar": "السيد(ة) {name}،\n\nتوصلنا بطلب تسجيلكم رقم {number} في {conference}، وهو في انتظار موافقة "
              "المنظمين. سنراسلكم بالقرار.\n\nلتدبير تسجيلكم: {link}\n",
        "fr": "Bonjour {name},\n\nVotre demande d'inscription n° {number} à {conference} attend la validation "
              "des organisateurs. Nous vous écrirons dès leur décision.\n\nGérer votre inscription : {link}\n",
        "en": "Dear {name},\n\nYour registration request no. {number} for {conference} awaits the organizers' "
              "approval. We will write to you with their decision.\n\nManage your registration: {link}\n",
    },
    "mail_approved_subject": {
        "ar": "تمت الموافقة على تسجيلكم: {conference}",
        "fr": "Votre inscription est validée : {conference}",
        "en": "Your registration is approved: {conference}",
    },
    "mail_approved_body": {
        "ar": "السيد(ة) {name}،\n\nوافق المنظمون على تسجيلكم رقم {number} في {conference} ({dates}، {venue}).\n"
              "تجدون شارتكم مرفقة: المرجو تقديم رمز QR عند الدخول.\n\nلتدبير تسجيلكم: {link}\n",
        "fr": "Bonjour {name},\n\nLes organisateurs ont validé votre inscription n° {number} à {conference} "
              "({dates}, {venue}).\nVotre badge est joint : présentez son QR code à l'entrée.\n\n"
              "Gérer votre inscription : {link}\n",
        "en": "Dear {name},\n\nThe organizers approved your registration no. {number} for {conference} "
              "({dates}, {venue}).\nYour badge is attached: show its QR code at the entrance.\n\n"
              "Manage your registration: {link}\n",
    },
    "mail_rejected_subject": {
        "ar": "بخصوص طلب تسجيلكم: {conference}",
        "fr": "Votre demande d'inscription : {conference}",
        "en": "Your registration request: {conference}",
    },
    "mail_rejected_body": {
        "ar": "السيد(ة) {name}،\n\nنأسف لإخباركم بأن المنظمين لم يتمكنوا من قبول طلب تسجيلكم رقم {number} "
              "في {conference}. شكرا على اهتمامكم.\n",
        "fr": "Bonjour {name},\n\nNous regrettons de vous informer que les organisateurs n'ont pas pu retenir "
              "votre demande d'inscription n° {number} à {conference}. Merci de votre intérêt.\n",
        "en": "Dear {name},\n\nWe regret that the organizers could not accept your registration request "
              "no. {number} for {conference}. Thank you for your interest.\n",
    },
    "mail_decision_reason": {
        "ar": "سبب قرار المنظمين: {reason}\n",
        "fr": "Motif de la décision des organisateurs : {reason}\n",
        "en": "The organizers' reason: {reason}\n",
    },
    "mail_cancelled_subject": {
        "ar": "تم إلغاء تسجيلكم: {conference}",
        "fr": "Votre inscription est annulée : {conference}",
        "en": "Your registration is cancelled: {conference}",
    },
    "mail_cancelled_body": {
        "ar": "السيد(ة) {name}،\n\nتم إلغاء تسجيلكم رقم {number} في {conference}، ولم تعد شارتكم صالحة.\n",
        "fr": "Bonjour {name},\n\nVotre inscription n° {number} à {conference} est annulée ; votre badge "
              "n'est plus valable.\n",
        "en": "Dear {name},\n\nYour registration no. {number} for {conference} is cancelled; your badge is "
              "no longer valid.\n",
    },
}

IMPORT_ERRORS = {
    "import_refused": {
        "ar": "رُفض الملف: {count} خطأ في أسطره، ولم يُستورد أي سطر.",
        "fr": "Fichier refusé : {count} erreur(s) dans ses lignes, aucune ligne n'a été importée.",
        "en": "File refused: {count} error(s) in its rows; no row was imported.",
    },
    "import_unreadable": {
        "ar": "تعذرت قراءة الملف: أرسلوا ملف CSV (UTF-8) أو XLSX بسطر عناوين.",
        "fr": "Fichier illisible : envoyez un CSV (UTF-8) ou un XLSX avec une ligne d'en-têtes.",
        "en": "Unreadable file: send a CSV (UTF-8) or XLSX file with a header row.",
    },
    "import_too_large": {
        "ar": "الملف كبير جدًا (5 ميغابايت على الأكثر).", "fr": "Fichier trop volumineux (5 Mo au plus).",
        "en": "File too large (5 MB at most).",
    },
    "import_too_many_rows": {
        "ar": "عدد الأسطر كبير جدًا ({max} على الأكثر).", "fr": "Trop de lignes ({max} au plus).",
        "en": "Too many rows ({max} at most).",
    },
    "import_empty": {"ar": "الملف لا يحتوي على أي سطر.", "fr": "Le fichier ne contient aucune ligne.",
                     "en": "The file has no rows."},
    "import_duplicate_row": {
        "ar": "هذا البريد الإلكتروني مكرر في السطر {other}.", "fr": "Cet e-mail figure déjà à la ligne {other}.",
        "en": "This e-mail is already on row {other}.",
    },
    "import_no_room": {
        "ar": "لا توجد مقاعد كافية لـ {needed} مدعو (السعة أو حصة الفئة).",
        "fr": "Pas assez de places pour {needed} invité(s) (capacité ou quota de catégorie).",
        "en": "Not enough seats for {needed} invitee(s) (capacity or category quota).",
    },
}

register_messages(ERRORS)
register_messages(MAILS)
register_messages(IMPORT_ERRORS)
