"""The service's refusal messages, in Arabic, French and English."""

from shared.i18n import register_messages

register_messages(
    {
        "indicator_value_in_future": {
            "ar": "لا يمكن تسجيل قيمة بتاريخ لاحق لليوم.",
            "fr": "Une valeur ne peut pas être datée d'après aujourd'hui.",
            "en": "A value cannot be dated after today.",
        },
        "recommendation_unknown": {
            "ar": "التوصية «{recommendation_id}» غير موجودة.",
            "fr": "La recommandation « {recommendation_id} » est introuvable.",
            "en": "Recommendation '{recommendation_id}' does not exist.",
        },
        "recommendation_exists": {
            "ar": "توجد توصية بالمعرف «{recommendation_id}» مسبقا.",
            "fr": "Une recommandation avec l'identifiant « {recommendation_id} » existe déjà.",
            "en": "A recommendation with id '{recommendation_id}' already exists.",
        },
        "evidence_required": {
            "ar": "لا يمكن اعتبار التوصية منجزة دون دليل واحد على الأقل (وثيقة أو مرجع، وصف، تاريخ).",
            "fr": "Une recommandation ne peut être déclarée achevée sans au moins une preuve "
                  "(document ou référence, description, date).",
            "en": "A recommendation cannot be marked complete without at least one piece of evidence "
                  "(document or reference, description, date).",
        },
        "second_organizer_required": {
            "ar": "يجب أن يصادق على الإنجاز أو يرده منظم آخر غير الذي اقترحه.",
            "fr": "L'achèvement doit être validé ou renvoyé par un autre organisateur que celui qui l'a proposé.",
            "en": "Completion must be approved or sent back by an organizer other than the one who proposed it.",
        },
        "completion_pending": {
            "ar": "يوجد اقتراح إنجاز في انتظار المصادقة؛ يجب البت فيه أولا.",
            "fr": "Une proposition d'achèvement attend sa validation : il faut d'abord la trancher.",
            "en": "A completion proposal is awaiting validation: decide on it first.",
        },
        "no_completion_pending": {
            "ar": "لا يوجد اقتراح إنجاز في انتظار المصادقة لهذه التوصية.",
            "fr": "Aucune proposition d'achèvement n'attend de validation pour cette recommandation.",
            "en": "No completion proposal is awaiting validation for this recommendation.",
        },
        "no_change": {
            "ar": "الحالة ونسبة التقدم المطلوبتان هما الحاليتان؛ لا تغيير.",
            "fr": "Le statut et l'avancement demandés sont déjà ceux en vigueur : aucun changement.",
            "en": "The requested status and progress are already the current ones: nothing changes.",
        },
        "progress_out_of_range": {
            "ar": "نسبة التقدم {progress}% لا تتوافق مع الحالة «{state}» (المسموح: {min} إلى {max}).",
            "fr": "Un avancement de {progress} % ne correspond pas au statut « {state} » (permis : {min} à {max}).",
            "en": "A progress of {progress}% does not match status '{state}' (allowed: {min} to {max}).",
        },
        "reason_required": {
            "ar": "يجب تعليل كل تغيير.",
            "fr": "Chaque changement doit être motivé.",
            "en": "Every change needs a reason.",
        },
        "evidence_source_required": {
            "ar": "يجب أن يتضمن الدليل رابط وثيقة أو مرجعا.",
            "fr": "Une preuve doit comporter l'URL d'un document ou une référence.",
            "en": "Evidence needs a document URL or a reference.",
        },
        "evidence_url_invalid": {
            "ar": "رابط الوثيقة يجب أن يبدأ بـ http:// أو https://.",
            "fr": "L'URL du document doit commencer par http:// ou https://.",
            "en": "The document URL must start with http:// or https://.",
        },
        "unknown_theme": {
            "ar": "محور غير معروف.",
            "fr": "Axe inconnu.",
            "en": "Unknown axis.",
        },
        "unknown_body": {
            "ar": "جهة مسؤولة غير معروفة.",
            "fr": "Organisme inconnu.",
            "en": "Unknown body.",
        },
        "milestone_unknown": {
            "ar": "المرحلة «{milestone_id}» غير موجودة في هذه التوصية.",
            "fr": "Le jalon « {milestone_id} » n'existe pas dans cette recommandation.",
            "en": "Milestone '{milestone_id}' does not exist in this recommendation.",
        },
        "milestone_already_completed": {
            "ar": "المرحلة «{milestone_id}» منجزة مسبقا.",
            "fr": "Le jalon « {milestone_id} » est déjà achevé.",
            "en": "Milestone '{milestone_id}' is already completed.",
        },
        "recommendation_withdrawn": {
            "ar": "هذه التوصية مسحوبة؛ لا يمكن إضافة مراحل إليها.",
            "fr": "Cette recommandation est retirée : on ne peut plus y ajouter de jalons.",
            "en": "This recommendation is withdrawn: milestones can no longer be added.",
        },
        "indicator_unknown": {
            "ar": "المؤشر «{indicator_id}» غير موجود.",
            "fr": "L'indicateur « {indicator_id} » est introuvable.",
            "en": "Indicator '{indicator_id}' does not exist.",
        },
        "indicator_exists": {
            "ar": "يوجد مؤشر بالمعرف «{indicator_id}» مسبقا.",
            "fr": "Un indicateur avec l'identifiant « {indicator_id} » existe déjà.",
            "en": "An indicator with id '{indicator_id}' already exists.",
        },
        "indicator_automatic": {
            "ar": "المؤشر «{indicator_id}» يحسب آليا من رسائل الخدمات الأخرى؛ لا يقبل قيما يدوية.",
            "fr": "L'indicateur « {indicator_id} » est calculé automatiquement à partir des messages "
                  "des autres services : il n'accepte pas de valeur saisie.",
            "en": "Indicator '{indicator_id}' is computed automatically from other services' messages: "
                  "it does not accept manual values.",
        },
        "bad_snapshot_date": {
            "ar": "تاريخ اللقطة غير صالح: استعمل الصيغة YYYY-MM-DD أو تاريخا ووقتا بصيغة ISO 8601.",
            "fr": "Date d'instantané non valide : utilisez AAAA-MM-JJ ou une date-heure ISO 8601.",
            "en": "Invalid snapshot date: use YYYY-MM-DD or an ISO 8601 date-time.",
        },
        "bad_identifier": {
            "ar": "المعرف يجب أن يتكون من حروف لاتينية صغيرة وأرقام وشرطات (من 3 إلى 64).",
            "fr": "L'identifiant doit être fait de minuscules latines, de chiffres et de tirets (3 à 64).",
            "en": "The identifier must be lowercase Latin letters, digits and dashes (3 to 64).",
        },
        "evidence_file_type": {
            "ar": "يقبل الدليل المرفوع بصيغة PDF أو PNG أو JPEG فقط، ويجب أن يطابق محتوى الملف اسمه.",
            "fr": "Seuls les fichiers PDF, PNG ou JPEG sont acceptés comme preuve, et leur contenu doit "
                  "correspondre à leur nom.",
            "en": "Only PDF, PNG or JPEG files are accepted as evidence, and their content must match their name.",
        },
        "evidence_file_too_large": {
            "ar": "الملف أكبر من الحد المسموح به ({max_mb} ميغابايت).",
            "fr": "Le fichier dépasse la taille permise ({max_mb} Mo).",
            "en": "The file is larger than allowed ({max_mb} MB).",
        },
        "evidence_file_empty": {
            "ar": "الملف المرفوع فارغ.", "fr": "Le fichier envoyé est vide.", "en": "The uploaded file is empty.",
        },
        "evidence_file_name": {
            "ar": "اسم الملف غير صالح (200 حرف على الأكثر).",
            "fr": "Nom de fichier non valide (200 caractères au plus).",
            "en": "Invalid file name (at most 200 characters).",
        },
        "evidence_file_unreadable": {
            "ar": "تعذرت قراءة الملف بصيغة {kind}: قد يكون تالفا أو ناقصا أو محميا بكلمة مرور. أرسل نسخة سليمة منه.",
            "fr": "Le fichier ne se lit pas comme un {kind} : il est peut-être endommagé, incomplet ou protégé "
                  "par un mot de passe. Envoyez-en une copie intacte.",
            "en": "The file cannot be read as a {kind}: it may be damaged, incomplete or protected by a password. "
                  "Send an intact copy.",
        },
        "evidence_file_too_many_pixels": {
            "ar": "الصورة كبيرة جدا ({max_mp} ميغابكسل على الأكثر).",
            "fr": "L'image est trop grande ({max_mp} mégapixels au plus).",
            "en": "The picture is too large (at most {max_mp} megapixels).",
        },
        "evidence_file_unknown": {
            "ar": "هذا الدليل غير متاح.", "fr": "Cette preuve n'est pas disponible.",
            "en": "This evidence is not available.",
        },
        "milestone_unchanged": {
            "ar": "لم يتغير شيء في هذه المرحلة.", "fr": "Rien ne change dans ce jalon.",
            "en": "Nothing changes in this milestone.",
        },
    }
)
