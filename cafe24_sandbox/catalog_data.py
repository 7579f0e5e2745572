"""Word lists for realistic Korean seeded data (categories, brands, names, options, addresses)."""

from __future__ import annotations

# (top, middle, leaf nouns, option kind, chance of having options, price band in KRW)
CATEGORY_TREE: list[tuple[str, list[tuple[str, list[str]]], str, float, tuple[int, int]]] = [
    (
        "의류",
        [
            ("상의", ["티셔츠", "셔츠", "니트", "맨투맨"]),
            ("하의", ["청바지", "슬랙스", "스커트"]),
            ("아우터", ["자켓", "코트", "패딩"]),
        ],
        "apparel",
        0.85,
        (15_000, 250_000),
    ),
    (
        "신발",
        [("스니커즈", ["운동화", "캔버스화"]), ("구두", ["로퍼", "더비슈즈"]), ("샌들", ["슬리퍼", "샌들"])],
        "shoes",
        0.9,
        (29_000, 190_000),
    ),
    ("가방", [("백팩", ["백팩"]), ("숄더백", ["토트백", "크로스백", "숄더백"])], "color", 0.5, (19_000, 390_000)),
    (
        "액세서리",
        [("모자", ["볼캡", "버킷햇", "비니"]), ("양말", ["양말", "스타킹"]), ("지갑", ["카드지갑", "반지갑"])],
        "color",
        0.6,
        (5_000, 89_000),
    ),
    ("뷰티", [("스킨케어", ["토너", "세럼", "크림"]), ("메이크업", ["쿠션", "립스틱"])], "volume", 0.3, (9_000, 79_000)),
    ("리빙", [("침구", ["이불", "베개커버"]), ("주방", ["머그컵", "텀블러", "도마"])], "living", 0.5, (6_000, 159_000)),
]

BRANDS = [
    "무지랩",
    "코튼클럽",
    "서울스탠다드",
    "노마드하우스",
    "데일리픽",
    "블루하버",
    "한결공방",
    "포레스트",
    "어반루프",
    "모노웨어",
    "소소리빙",
    "글로우랩",
]

ADJECTIVES = [
    "데일리",
    "베이직",
    "오버핏",
    "슬림핏",
    "프리미엄",
    "클래식",
    "빈티지",
    "모던",
    "미니멀",
    "에센셜",
    "시그니처",
    "라이트",
    "소프트",
    "캐주얼",
    "스탠다드",
]
MATERIALS = ["코튼", "린넨", "울", "캐시미어", "데님", "레더", "나일론", "폴리", "스웨이드", "오가닉"]
MATERIALS_EN = {
    "코튼": "Cotton",
    "린넨": "Linen",
    "울": "Wool",
    "캐시미어": "Cashmere",
    "데님": "Denim",
    "레더": "Leather",
    "나일론": "Nylon",
    "폴리": "Poly",
    "스웨이드": "Suede",
    "오가닉": "Organic",
}
ENGLISH = {
    "티셔츠": "T-shirt",
    "셔츠": "Shirt",
    "니트": "Knit",
    "맨투맨": "Sweatshirt",
    "청바지": "Jeans",
    "슬랙스": "Slacks",
    "스커트": "Skirt",
    "자켓": "Jacket",
    "코트": "Coat",
    "패딩": "Padding",
    "운동화": "Sneakers",
    "캔버스화": "Canvas shoes",
    "로퍼": "Loafers",
    "더비슈즈": "Derby shoes",
    "슬리퍼": "Slippers",
    "샌들": "Sandals",
    "백팩": "Backpack",
    "토트백": "Tote bag",
    "크로스백": "Cross bag",
    "숄더백": "Shoulder bag",
    "볼캡": "Ball cap",
    "버킷햇": "Bucket hat",
    "비니": "Beanie",
    "양말": "Socks",
    "스타킹": "Stockings",
    "카드지갑": "Card wallet",
    "반지갑": "Wallet",
    "토너": "Toner",
    "세럼": "Serum",
    "크림": "Cream",
    "쿠션": "Cushion",
    "립스틱": "Lipstick",
    "이불": "Duvet",
    "베개커버": "Pillow cover",
    "머그컵": "Mug",
    "텀블러": "Tumbler",
    "도마": "Cutting board",
}

COLORS = [
    ("블랙", "BK"),
    ("화이트", "WH"),
    ("네이비", "NV"),
    ("베이지", "BE"),
    ("그레이", "GY"),
    ("차콜", "CH"),
    ("아이보리", "IV"),
    ("카키", "KH"),
    ("브라운", "BR"),
    ("레드", "RD"),
    ("스카이블루", "SB"),
    ("핑크", "PK"),
]
APPAREL_SIZES = ["S", "M", "L", "XL", "XXL"]
SHOE_SIZES = [str(size) for size in range(220, 295, 5)]
VOLUMES = [("30ml", "30"), ("50ml", "50"), ("100ml", "100")]
LIVING_SIZES = [("싱글", "SS"), ("퀸", "QQ"), ("킹", "KK")]

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = [
    "민준",
    "서연",
    "지훈",
    "하은",
    "도윤",
    "수아",
    "예준",
    "지우",
    "시우",
    "서윤",
    "주원",
    "지민",
    "하준",
    "채원",
    "현우",
    "다은",
    "건우",
    "예린",
    "우진",
    "소율",
]
ROMAN = [
    "minjun",
    "seoyeon",
    "jihun",
    "haeun",
    "doyun",
    "sua",
    "yejun",
    "jiwoo",
    "siwoo",
    "seoyun",
    "juwon",
    "jimin",
    "hajun",
    "chaewon",
    "hyunwoo",
    "daeun",
    "gunwoo",
    "yerin",
    "woojin",
    "soyul",
]
CITIES = [
    ("서울특별시 강남구 테헤란로", "06236"),
    ("서울특별시 마포구 월드컵북로", "03925"),
    ("부산광역시 해운대구 센텀중앙로", "48058"),
    ("인천광역시 연수구 송도과학로", "21984"),
    ("대구광역시 수성구 달구벌대로", "42020"),
    ("경기도 성남시 분당구 판교역로", "13529"),
    ("광주광역시 서구 상무중앙로", "61945"),
    ("대전광역시 유성구 대학로", "34134"),
    ("경기도 수원시 영통구 광교중앙로", "16514"),
    ("제주특별자치도 제주시 첨단로", "63309"),
]
SHIPPING_MESSAGES = ["", "부재 시 문 앞에 놓아주세요.", "배송 전 연락 바랍니다.", "경비실에 맡겨주세요.", ""]

# shipping_company_code values two sources agree on (cafe24-api.md §7.9)
CARRIERS = [
    ("0006", "CJ대한통운", 1),
    ("0018", "한진택배", 2),
    ("0079", "롯데택배", 3),
    ("0012", "우체국택배", 4),
    ("0004", "로젠택배", 5),
]
ORDER_PLACES = [("cafe24", "PC쇼핑몰", 55), ("mobile", "모바일웹", 30), ("NCHECKOUT", "네이버페이", 15)]
PAYMENT_METHODS = [
    ("card", "카드", 60),
    ("tcash", "실시간계좌이체", 10),
    ("cash", "무통장입금", 12),
    ("cell", "휴대폰", 6),
    ("prepaid", "선불금", 2),
    ("point", "적립금", 2),
    ("cvs", "편의점결제", 8),
]
