"""Hand-written word lists that decide short chat messages before the statistical engine."""
from __future__ import annotations

from bot.channels import chat_words


def _words(block: str) -> frozenset[str]:
    """Split a whitespace-separated block into a frozenset of lower-case words."""
    return frozenset(block.lower().split())


# Words that carry no language: chat noises, acknowledgements, platforms and brands (and what users call the chat
# apps, the bot's channels among them: bot/channels.py chat_words).
NEUTRAL: frozenset[str] = chat_words() | _words("""
    ok okk okey okay oki k kk okeh sip
    haha hahaha hahahaha hehe hehehe hihi hihihi huhu hoho wkwk wkwkwk wkwkwkwk wkwkwkwkwk
    xixi xixixi awok awokawok lol lmao rofl xd
    hmm hmmm hm mm mmm eh ehm uh um umm ah aah oh ohh ooh wow woww waw yay yeay
    yo yoo hey heyy hei hai hi hii hola
    btw fyi omg wtf asap dm pm cmiw
    instagram insta ig tiktok tt youtube yt facebook fb twitter x threads linkedin
    snapchat pinterest spotify netflix
    shopee tokopedia tokped lazada bukalapak blibli gojek grab ovo dana gopay
    google gmail canva capcut chatgpt gpt ai seo ui ux cv kpi roi ctr cta
    reels reel feed feeds story stories live fyp viral vlog vlogger podcast
    brand branding personal content creator influencer followers follower bro sis
    admin bot brandcoach coach rp idr usd
    apple samsung iphone android ios
""")

# Common English function words, pronouns, auxiliaries and everyday/chat words.
ENGLISH: frozenset[str] = _words("""
    i i'm im i've ive i'll i'd me my mine myself you you're youre you've you'll you'd your yours
    yourself he he's him his himself she she's her hers herself it it's its itself we we're we've
    we'll us our ours they they're they've they'll them their theirs themselves
    the a an this that these those there there's here what what's which who who's whom whose
    when where where's why how how's whatever whoever
    is am are was were be been being do does did doing done don't doesn't didn't
    have has had having haven't hasn't hadn't will would shall should can could may might must
    won't wouldn't can't cannot couldn't shouldn't isn't aren't wasn't weren't let's that's
    not no yes yeah yep nope yup
    and or but if then than because so as of at by for from in into on onto to with without
    about above after before again against all any both each few more most other some such
    only own same too very just also well still even ever never always often sometimes
    up down out over under off through between during until while since
    get gets got getting go goes going gone went come comes coming came make makes making made
    take takes took taken see sees saw seen know knows knew known think thinks thought
    want wants wanted need needs needed like liked likes love loves loved hate hates
    give gives gave given tell tells told say says said ask asks asked try tries tried
    use used using find found work works working worked help helps helped
    feel feels felt look looks looked seem seems keep keeps kept start started stop stopped
    call called wait waiting let put run ran eat ate drink drank sleep slept read write wrote
    thank thanks thx thankyou please pls plz sorry sure maybe really right wrong good great
    nice bad better best worse worst new old big small little much many lot lots
    something anything nothing everything someone anyone nobody everyone somebody everybody
    today tomorrow yesterday now later soon tonight morning night week day days time year
    people man woman men women friend friends thing things way world life home house
    post posts posting posted video videos photo photos picture account page profile followers
    grow growth more audience engagement caption captions hashtag hashtags idea ideas tips
    doing does did done happy sad tired hungry busy free ready fine okay cool awesome amazing
    hello bye goodbye morning evening afternoon guys

    mom mum dad mother father brother sister son daughter wife husband baby kid kids child children
    family boy girl guy name names school teacher student job money car door room water food
    dog cat bird book phone window table bed city country street shop store market place
    usually really actually probably certainly definitely absolutely almost enough quite rather
    perfect terrific wonderful beautiful pretty lovely fantastic excellent horrible terrible
    awful funny sick angry afraid scared sure glad sorry important different easy hard difficult
    possible impossible true false real late early fast slow hot cold warm long short high low
    young rich poor strong weak clean dirty full empty open closed quiet loud dark light
    become became believe bring brought buy bought catch caught choose chose close cook cry
    decide die drive drove fall fell fight forget forgot hear heard hold hope hurt kill
    learn leave left lie lose lost meet met miss move pay paid play played pull push reach
    remember rest return ride said sell sent send show shut sing sit sat smile speak spoke
    spend stand stay steal swim talk talked teach thank travel turn understand visit walk
    watch wear win won wish worry
    uses use wants needs likes knows thinks says goes does gets makes takes comes
    again away back please maybe together anymore anyway however instead perhaps
    who's everybody's nobody's what're

    dance answer arrive ask borrow break broke build burn carry change check clean climb count cover
    cross cut draw dream drop enjoy enter explain fail fill finish fix fly follow hang happen hate hide
    hit hunt improve invite join jump kick kiss knock laugh lend lift listen live lock marry mind
    need notice offer open order own pass pick plan plant prefer prepare promise protect pull rain
    receive relax remain repeat reply rush save search share shout sign smell snow sound speak stand
    study succeed suggest support swim taste thank throw touch train trust wake wash win wonder write
    wrote written yell bread breakfast lunch dinner coffee tea milk rice meat fish fruit apple egg
    letter news paper story song music movie game party trip train plane weather rain snow sun moon
    tree flower river sea mountain island beach garden hospital doctor police office company boss
    hand head face eye eyes hair heart body foot feet leg arm
    everything's nothing's someone's tonight's he'd she'd they'd we'd it'll there'll
    brave calm careful clever crazy curious dangerous delicious famous friendly gentle honest
    kind lazy lucky nervous patient polite proud serious shy silly smart stupid sweet ugly upset
    wise wrong alone alive asleep awake surprised worried excited interested bored confused
    across along around behind below beside beyond near toward towards upon within unless whether
    although though neither either nor
    wanna gonna gotta dunno kinda sorta yet already every each
""")

# Common Indonesian function words, pronouns, particles, everyday words and chat slang.
INDONESIAN: frozenset[str] = _words("""
    saya aku gue gw gua guwe kamu kau engkau anda lu lo loe elo elu dia ia beliau kami kita
    mereka kalian dirimu diriku dirinya kakak kak bang abang mas mbak mba bos bu pak
    ibu bapak adik dek om tante
    kampus ngampus kuliahan
    yang dan di ke dari untuk buat sama dengan dgn pada oleh tentang dalam atas bawah karena
    krn karna soalnya jadi jd tapi tp tetapi namun atau atw kalau kalo klo kl jika bila
    agar supaya biar sampai sampe hingga sejak sebelum sesudah setelah saat ketika waktu
    ini itu sini situ sana begini begitu gini gitu gituan
    ada adalah ialah merupakan akan sudah udah udh dah telah sedang lagi lg masih belum blm
    blom pernah bisa bs dapat dpt boleh harus mesti perlu mau mo pengen pingin ingin ingin
    tidak tak gak ga gk nggak ngga enggak engga ndak kagak bukan bkn jangan jgn
    ya iya iyaa iyaaa yaa yah yup yoi iye ho'oh oke okelah sipp mantap mantul mantab
    apa apakah siapa kapan mana dimana kemana darimana bagaimana gimana gmn knp kenapa mengapa
    berapa brp
    dong sih deh kok kan lah tuh nih nah loh lho kah pun juga jg aja saja doang cuma cuman
    hanya banget bgt bngt sekali amat sangat paling lebih kurang terlalu agak cukup
    semua semuanya setiap tiap banyak sedikit beberapa lain lainnya sendiri
    terima kasih makasih makasi trims tengkyu maaf mohon tolong silakan silahkan permisi
    selamat pagi siang sore malam hari besok kemarin kemaren sekarang nanti tadi minggu bulan
    tahun
    orang teman temen kawan rumah kerja kerjaan sekolah kuliah kantor uang duit
    baik bagus jelek benar bener betul salah baru lama besar kecil senang seneng sedih capek
    lapar haus sakit sehat cantik ganteng keren asik asyik seru
    makan minum tidur bangun pergi pulang datang masuk keluar lihat liat melihat dengar
    bilang ngomong bicara tanya nanya jawab tahu tau ngerti mengerti paham coba cobain
    bikin buat membuat kasih beri memberi ambil pakai pake suka cinta benci takut malu
    tunggu bentar sebentar ayo yuk yok kuy ayok mari
    belajar bantu bantuin tolongin cari mencari kirim konten akun pengikut
    jualan jual beli bisnis usaha toko produk harga murah mahal
    gimana gapapa gpp nggapapa enggak emang memang emg kayak kaya kyk seperti kayaknya
    sepertinya mungkin pasti tentu biasanya kadang sering selalu jarang
    anjir anjay njir buset gila parah santai santuy baper gabut mager kepo gaje galau
    caper ciye cie ciee nyesel pusing bingung
    nya si para

    ayah ibu kakek nenek anak istri suami keluarga laki perempuan cewek cowok pacar
    murid mahasiswa nama mobil pintu kamar makanan minuman anjing kucing burung
    buku hp jendela meja kasur kota negara jalan pasar tempat
    biasa biasanya benar-benar sebenarnya sepertinya hampir cukup agak lumayan
    sempurna indah bagus banget cakep jelek buruk lucu marah takut yakin penting beda
    gampang mudah susah sulit mungkin nyata telat cepat lambat panas dingin hangat panjang
    pendek tinggi rendah kaya miskin kuat lemah bersih kotor penuh kosong buka tutup sepi
    ramai gelap terang
    jadi menjadi percaya bawa membawa beli tangkap pilih masak menangis nangis putuskan mati
    nyetir jatuh berantem lupa dengar denger pegang harap berharap luka bunuh pelajari
    tinggal berbohong bohong ketemu bertemu kangen rindu pindah bayar bermain tarik dorong
    ingat inget istirahat kembali naik kirim tunjukkan nyanyi duduk senyum bicara
    habiskan berdiri diam curi berenang ngobrol ajar ajarin jalan-jalan belok paham kunjungi
    jalan pakai harap khawatir
    lagi lagian bareng bersama pokoknya sebenernya malah justru mending mendingan
    bete sebel kesel males malas ngantuk lelah capek laper gemes gemas

    kepada daripada terhadap antara tanpa melalui lewat menurut bersama seperti sebagai supaya
    walaupun meskipun padahal sedangkan sehingga maka lalu kemudian terus akhirnya
    jawab tiba pinjam pecah bangun bakar bawa ganti periksa naik hitung tutup menari tari mimpi
    jatuhkan nikmati masuk jelaskan gagal isi selesai perbaiki terbang ikut gantung benci terjadi
    sembunyi pukul buru tingkatkan undang gabung lompat tendang cium ketuk tertawa ketawa pinjamkan
    angkat dengar dengarkan hidup kunci nikah kawin peduli pesan punya lewat petik rencana tanam
    terima santai tetap ulang balas buru-buru simpan cari bagi teriak tanda cium bunyi berdiri
    pelajari berhasil sarankan dukung renang cicip lempar sentuh latih percaya bangun cuci
    heran tulis menulis menyanyi lanjut berlanjut
    roti sarapan makan siang kopi teh susu nasi daging ikan buah telur surat berita kertas cerita
    lagu musik permainan pesta perjalanan kereta pesawat cuaca hujan salju matahari bulan pohon
    bunga sungai laut gunung pulau pantai kebun rumah sakit dokter polisi perusahaan bos
    tangan kepala wajah mata rambut jantung badan kaki lengan
    berani tenang hati-hati pintar gila penasaran berbahaya enak lezat terkenal ramah lembut jujur
    malas beruntung gugup sabar sopan bangga serius pemalu konyol bodoh manis jelek kecewa bijak
    sendirian hidup tidur bangun terkejut kaget khawatir bersemangat tertarik bosan bingung
    sekitar belakang depan samping dekat jauh menuju atas bawah luar
    tipu bohong bego goblok tolol dasar lelucon canda bercanda becanda
    halo butuh pengin kepingin sayang kesini kesana disini disitu disana gimanapun
""")

# Markers of Indonesian local languages (Javanese, Sundanese, Balinese, Minang, Banjar, ...):
# answered in Indonesian, so they count as evidence for "id", never for "en".
LOCAL: frozenset[str] = _words("""
    ora opo iki kuwi kae wis wes arep ning karo lan ono ana nang nek ben wae ae aku
    mboten sampun dereng nggih inggih matur nuwun sakit piye pripun kowe sampeyan
    panjenengan kulo kula awakmu awakdewe jancok cok dadi iso isa durung tenan banget
    abdi anjeun teu henteu naon kumaha atuh euy mah geus keur urang sareng pisan kitu ieu
    eta jeung hoyong nuhun punten mangga aya
    tiang sane niki nika punika iraga nyen kenken ngudiang suba jani ento ane tusing
    sajan ajak uli nyak mekejang mangkin
    ambo awak indak alah bana dek jo baa iko
    ulun kada pian unda nang handak kadada banar
    engkok tak bik bhen tadhek kaule sampeyan
    hana lagee nyan nyoe bak lon jih ureueng hana geu meu
    dang ndang ahu hamu nasida nuaeng songon dohot hian
    iya' idi' mabbicara
""")

# Short strings that look like words of one language but are shared or ambiguous.
AMBIGUOUS: frozenset[str] = _words("""
    man ban data film main air motor guru pas top fan bus game online offline update upload
""")

# English words that Indonesian speakers also drop into chat on their own ("thanks", "sorry"):
# still English, but weak evidence that should not switch a conversation by itself.
WEAK_ENGLISH: frozenset[str] = _words("""
    thanks thank thx thankyou sorry nice please pls plz cool good great awesome amazing
    yes no sure bye goodbye morning guys noted done hello
""")

# English words Indonesians use inside Indonesian social-media talk ("review produk skincare", "daily outfit"):
# on their own they say nothing about the language of the chat.
LOANWORDS: frozenset[str] = _words("""
    review reviews tutorial tutorials makeup make-up skincare outfit outfits ootd daily tips tip trick tricks
    mix match scene scenes haul unboxing giveaway storytelling testimoni testimonial customer customers sharing
    share interview career advice financial planning planner plan life music cover band editing edit before after
    event events coffee shop routine travel backpacker hotel parenting session engagement reach insight insights
    upload uploads posting post posts content contents niche template draft caption captions hook hooks series
    thread threads collab collaboration ads budget deadline weekend online offline weekly monthly shooting launching
    launch fashion lifestyle healthy self improvement healing struggle upgrade skill skills public speaking soft hard
    selling awareness owner fresh graduate full time remote workout diet progress update gadget gadgets
    entertainment meal prep fun random micro judge netizen hate comment comments like likes view views viewers
    audience target rate sustainable local style simple trend trending mindset support value quality goals vibes
    vibe aesthetic moodboard photoshoot shoot endorse endorsement affiliate link bio reminder series weekly set
    feedback insight tools tool live product products launching marketing digital social media tiktoker
    selebgram followers follower reels story stories feed video videos photo photos foto vlog vlogs creator
    office team meeting job project projects freelance freelancer startup design designer sale sales promo
    discount voucher flash challenge trend best seller bestseller brand branding personal hijab gamis
    tiktok podcast webinar workshop class course mentoring coaching coach
    thrifting thrift styling
""")

# Whole loan phrases, removed before words are weighed ("behind the scene" is not an English sentence).
LOAN_PHRASES: tuple[str, ...] = (
    "behind the scenes", "behind the scene", "behind the bar", "mix and match", "get ready with me", "tips and tricks",
    "tips and trick", "tips & trick", "tips & tricks", "before after", "q&a", "q & a", "day in my life",
    "what's in my bag", "how to", "to do list", "work from home", "on the way", "by the way", "self reward",
    "quality time", "work life balance", "call to action", "first impression", "one day one post", "open order",
    "pre order", "ready stock", "best seller", "after office", "after work", "full time", "part time",
    "fresh graduate", "public speaking", "soft selling", "hard selling", "brand awareness", "content plan",
    "content planning", "personal branding", "personal brand", "self improvement", "healthy lifestyle",
    "slow living", "slow fashion", "meal prep", "live session", "live music", "daily life", "daily vlog",
)

# Words that make an English sentence (pronouns, auxiliaries, modals, question words): a switch to English needs them.
EN_SENTENCE: frozenset[str] = _words("""
    i i'm im i've i'll i'd you you're you've you'll we we're we've we'll they they're he she it it's
    my your our their me us them his her
    is am are was were be been being do does did don't doesn't didn't have has had haven't hasn't
    will would shall should can could may might must won't wouldn't can't cannot couldn't isn't aren't wasn't
    let's that's what's what how why where when which who there this that these those not
    want wanted need needed think know please thank thanks really just
""")
